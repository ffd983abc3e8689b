// An engine whose daemon.json says `features.buildkit: false` answers GET /_ping with
// `Builder-Version: 1`: `builder: docker` then builds with the classic builder, saying so
// once, and the build still works (labels as a LABEL step). A second, private dockerd.
import { execa } from 'execa';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctl, tempDir, writeTree } from '../helpers/cli.js';
import { requireDocker } from '../helpers/docker.js';
import { copyImage, testEngine, type TestEngine } from '../helpers/engine.js';

const STACK = 'bk-disabled';
let tmp: ReturnType<typeof tempDir>;
let engine: TestEngine;

beforeAll(async () => {
  await requireDocker();
  tmp = tempDir('bk-disabled-');
  engine = testEngine(path.join(tmp.dir, 'engine'), '10.247.0.0/16', { features: { buildkit: false } });
  await engine.start();
  await copyImage('busybox:latest', engine.host);
}, 180_000);
afterAll(async () => {
  await engine?.cleanup();
  tmp?.cleanup();
}, 120_000);

describe('an engine with BuildKit disabled', () => {
  it('builds with the classic builder and says so once', async () => {
    const dir = path.join(tmp.dir, 'stack');
    writeTree(dir, {
      'pctl.yaml': `name: ${STACK}\nservices:\n  one:\n    image: ./one\n    provider: { name: docker }\n  two:\n    image: ./two\n    provider: { name: docker }\n`,
      'one/Dockerfile': 'FROM busybox\nRUN echo one > /one\n',
      'two/Dockerfile': 'FROM busybox\nRUN echo two > /two\n',
    });
    const r = await pctl(['build', '--json'], { cwd: dir, env: { DOCKER_HOST: engine.host } });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    const notices = r.stderr.split('\n').filter((l) => l.includes('classic builder'));
    expect(notices).toEqual([
      'building with the classic builder: the engine has BuildKit disabled (features.buildkit: false in its daemon.json)',
    ]);
    const images = JSON.parse(r.stdout).images as { ref: string; built: boolean }[];
    expect(images.map((i) => i.built)).toEqual([true, true]);
    const history = await execa('docker', ['history', '--no-trunc', '--format', '{{.CreatedBy}}', images[0]!.ref], {
      env: { DOCKER_HOST: engine.host },
    });
    expect(history.stdout).toMatch(/LABEL .*managed-by/);
  });
});
