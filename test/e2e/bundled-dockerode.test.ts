// The CLI bundle carries dockerode in a chunk of its own (scripts/bundle.mjs), with four
// parts left out and loaded from node_modules on first call: the BuildKit session, its
// progress decoding, docker-modem's ssh transport and tar-fs. Each part is called here
// through the bundled chunk, in a plain node process as pctl runs it, against a loopback
// server: a part that no longer resolves from the bundle fails here, not in a user's build.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, tempDir, writeTree } from '../helpers/cli.js';

const chunk = pathToFileURL(path.join(repoRoot, 'packages/cli/bundle/dockerode.js')).href;

const script = `
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
const Docker = (await import(${JSON.stringify(chunk)})).default;
let body;
const server = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    if (req.url.startsWith('/build')) body = Buffer.concat(parts);
    const session = req.url.startsWith('/session');
    res.writeHead(session ? 400 : 200, { 'content-type': 'application/json' });
    res.end(session ? '{"message":"no sessions here"}' : '{"stream":"ok"}\\n');
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
const out = {};
const api = new Docker({ host: '127.0.0.1', port, protocol: 'http' });
try {
  const s = await api.buildImage({ context: process.argv[2], src: ['Dockerfile', 'a.txt'] });
  await new Promise((r) => { s.on('end', r); s.resume(); });
  out.folder = gunzipSync(body).toString('latin1');
} catch (e) { out.folder = 'error: ' + e.message; }
out.session = String(await api.buildImage(Buffer.alloc(0), { version: '2' }).then(() => 'no error', (e) => e.message));
const viaSsh = new Docker({ protocol: 'ssh', host: '127.0.0.1', port: 1, username: 'nobody' });
out.ssh = String(await viaSsh.ping().then(() => 'no error', (e) => e.message));
server.close();
process.stdout.write(JSON.stringify(out));
`;

describe('dockerode in the CLI bundle', () => {
  it('loads tar-fs, the BuildKit session (gRPC) and the ssh transport (ssh2) on first use', async () => {
    const t = tempDir();
    try {
      writeTree(t.dir, { Dockerfile: 'FROM scratch\n', 'a.txt': 'bundled\n', 'probe.mjs': script });
      const r = await execa(process.execPath, ['--no-deprecation', path.join(t.dir, 'probe.mjs'), t.dir], {
        reject: false,
      });
      expect(r.exitCode, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as Record<string, string>;
      // tar-fs packed the folder: the tar holds the named files.
      expect(out.folder).toContain('Dockerfile');
      expect(out.folder).toContain('bundled\n');
      // The session code loaded and asked the server, which refused.
      expect(out.session).toMatch(/no sessions here/);
      // ssh2 loaded and tried to connect.
      expect(out.ssh).toMatch(/ECONNREFUSED/);
    } finally {
      t.cleanup();
    }
  });
});
