// build.cacheTo / build.cacheFrom with a registry (Debian's docker-registry with a
// password): one engine builds and exports the cache to the registry (the image with its
// inline cache, pushed to the cache ref), a second engine that never built the stack
// imports it, and its build reuses the step (CACHED, and the same file the first engine's
// step wrote) even with another build secret value: the cache keys hold no secret, and
// neither does any blob the registry stored.
import { execa } from 'execa';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctl, tempDir, writeTree } from '../helpers/cli.js';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { copyImage, testEngine, type TestEngine } from '../helpers/engine.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { freePort } from '../helpers/sshd.js';

const STACK = 'bkcache';
const USER = 'bkcache';
const PASSWORD = `bkc-${Math.random().toString(36).slice(2)}`;
const SECRET = `bkc-Secret-${Math.random().toString(36).slice(2)}`;
const NONCE = Math.random().toString(36).slice(2);
let tmp: ReturnType<typeof tempDir>;
let engine: TestEngine;
let registry: TestRegistry | undefined;
let port = 0;
let dockerConfig = '';
const dir = () => path.join(tmp.dir, 'stack');
const cacheRef = () => `127.0.0.1:${port}/bkcache/app:cache`;

function allFiles(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = path.join(d, n);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

beforeAll(async () => {
  await requireDocker();
  tmp = tempDir('bkcache-');
  port = await freePort();
  registry = await startRegistry(path.join(tmp.dir, 'registry'), port, USER, PASSWORD);
  dockerConfig = path.join(tmp.dir, 'docker-config');
  await execa('docker', ['login', '--username', USER, '--password-stdin', `127.0.0.1:${port}`], {
    input: PASSWORD,
    env: { DOCKER_CONFIG: dockerConfig },
  });
  engine = testEngine(path.join(tmp.dir, 'engine'), '10.219.0.0/16');
  await engine.start();
  await copyImage('busybox:latest', engine.host);
  writeTree(dir(), {
    'pctl.yaml': `name: ${STACK}\nservices:\n  app:\n    build:\n      context: ./app\n      secrets: { tok: "\${env:BKC_TOKEN}" }\n      cacheFrom: type=registry,ref=${cacheRef()}\n      cacheTo: type=registry,ref=${cacheRef()}\n    provider: { name: docker }\n`,
    // The step's output differs on every run: the same file in both images is the cache at work.
    'app/Dockerfile': `FROM busybox\nRUN --mount=type=secret,id=tok echo ${NONCE} $(date +%s)-$RANDOM$RANDOM > /stamp && wc -c < /run/secrets/tok > /len\nCMD ["sleep", "3600"]\n`,
  });
}, 180_000);
afterAll(async () => {
  await removeStack(STACK);
  await execa('docker', ['rmi', cacheRef()], { reject: false });
  await registry?.stop();
  await engine?.cleanup();
  tmp?.cleanup();
}, 120_000);

const built = async (host?: string) => {
  const env = { DOCKER_CONFIG: dockerConfig, ...(host ? { DOCKER_HOST: host } : {}) };
  const ref = (
    await execa(
      'docker',
      ['images', '--filter', `reference=pctl-${STACK}-app`, '--format', '{{.Repository}}:{{.Tag}}'],
      {
        env,
      },
    )
  ).stdout.split('\n')[0]!;
  return (await execa('docker', ['run', '--rm', ref, 'cat', '/stamp'], { env })).stdout.trim();
};

describe('registry build cache', () => {
  it('a second engine reuses the cache another exported, whatever the secret', async () => {
    const first = await pctl(['build', '-v'], { cwd: dir(), env: { DOCKER_CONFIG: dockerConfig, BKC_TOKEN: SECRET } });
    expect(first.stderr).not.toMatch(/^error/m);
    expect(first.exitCode).toBe(0);
    expect(first.stderr).toContain(`exporting cache to ${cacheRef()}`);
    const stamp = await built();
    expect(stamp).toMatch(new RegExp(`^${NONCE} \\d+-\\d+$`));

    const second = await pctl(['build', '-v'], {
      cwd: dir(),
      env: { DOCKER_CONFIG: dockerConfig, DOCKER_HOST: engine.host, BKC_TOKEN: `${SECRET}-other` },
    });
    expect(second.stderr).not.toMatch(/^error/m);
    expect(second.exitCode).toBe(0);
    expect(second.stderr).toMatch(/#\d+ \[\d\/\d\] RUN --mount=type=secret,id=tok .* CACHED/);
    expect(await built(engine.host)).toBe(stamp);
    expect(`${first.stderr}${second.stderr}`).not.toContain(SECRET);

    // Every blob the registry holds (layers uncompressed), the manifests and the cache config: no secret.
    const blobs = allFiles(path.join(tmp.dir, 'registry', 'data'));
    expect(blobs.length).toBeGreaterThan(2);
    for (const f of blobs) {
      const raw = readFileSync(f);
      const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
      expect(text.includes(Buffer.from(SECRET)), f).toBe(false);
    }
  });

  it('cacheTo mode=max and an unsupported cache type are clear errors', async () => {
    writeTree(dir(), {
      'pctl.yaml': `name: ${STACK}\nservices:\n  app:\n    build:\n      context: ./app\n      cacheTo: type=local,dest=/tmp/x\n    provider: { name: docker }\n`,
    });
    // Refused as the stack file is read: exit 2, the file, line and path.
    const local = await pctl(['plan'], { cwd: dir() });
    expect(local.exitCode).toBe(2);
    expect(local.stderr).toMatch(/pctl\.yaml:6 services\.app\.build\.cacheTo: cacheTo type=local is not supported/);
    writeTree(dir(), {
      'pctl.yaml': `name: ${STACK}\nservices:\n  app:\n    build:\n      context: ./app\n      secrets: { tok: x }\n      cacheTo: type=registry,ref=${cacheRef()},mode=max\n    provider: { name: docker }\n`,
    });
    const max = await pctl(['build', '--force-build'], { cwd: dir(), env: { DOCKER_CONFIG: dockerConfig } });
    expect(max.exitCode).toBe(1);
    expect(max.stderr).toMatch(
      /build.cacheTo type=registry,ref=.*,mode=max: the engine's build API exports only the inline cache/,
    );
  });
});
