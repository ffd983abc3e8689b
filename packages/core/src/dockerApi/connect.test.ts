// The engine client loads without the parts pctl does not use (dockerode's BuildKit session
// code, docker-modem's ssh2 transport), and still speaks to the engine. Run in a fresh node
// process: the require cache of a test worker may hold them from other tests.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/dockerApi/connect.js');

describe('dockerClient', () => {
  it('loads neither ssh2 nor gRPC, and the stubs load the real modules when called', () => {
    const script = `
      const { createRequire } = await import('node:module');
      const { dockerClient } = await import(${JSON.stringify(dist)});
      const { api, close } = await dockerClient({ kind: 'unix', socketPath: '/nonexistent/docker.sock' });
      const require = createRequire(${JSON.stringify(dist)});
      const loaded = () => Object.keys(require.cache).filter((k) => /node_modules\\/(ssh2|@grpc|protobufjs)\\//.test(k)).length;
      const before = loaded();
      // The stubs are what docker-modem and dockerode call: calling them loads the real code.
      const modem = createRequire(require.resolve('dockerode')).resolve('docker-modem/lib/ssh.js');
      const agent = require.cache[modem].exports({ host: '127.0.0.1', port: 1 });
      const ping = await api.ping().then(() => 'ok', (e) => e.code);
      close();
      console.log(JSON.stringify({ before, after: loaded(), agent: typeof agent.createConnection, ping }));
      process.exit(0);
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
    expect(out.before).toBe(0);
    expect(out.after).toBeGreaterThan(0);
    expect(out.agent).toBe('function');
    // The client was made and spoke (to a socket that is not there).
    expect(out.ping).toBe('ENOENT');
  });
});
