// buildImage on the real engine (through its API) with the classic builder: labels in one
// step, only the read files sent; the whole context as the docker CLI sends it; a failed
// step's output kept. (BuildKit, the default, has its own: test/e2e/buildkit*.test.ts.)
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeEngines } from '../dockerApi/index.js';
import { createExec } from '../exec.js';
import { buildImage } from './buildImage.js';

let dir: string;
const ref = `pctl-build-unit:${process.pid}`;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-build-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await execa('docker', ['rmi', '-f', ref, `${ref}-whole`, `${ref}-fails`], { reject: false });
});

describe('buildImage', () => {
  it('puts every label in one LABEL step of the built stage and sends only what the Dockerfile reads', async () => {
    mkdirSync(path.join(dir, 'src'));
    writeFileSync(path.join(dir, 'src/app.sh'), 'echo hi\n');
    writeFileSync(path.join(dir, 'huge.bin'), Buffer.alloc(30 * 1024 * 1024));
    writeFileSync(
      path.join(dir, 'Dockerfile'),
      'FROM busybox AS build\nCOPY src /app\nFROM busybox\nCOPY --from=build /app /app\n',
    );
    const lines: string[] = [];
    const r = await buildImage({
      spec: {
        service: 'api',
        contextDir: dir,
        dockerfilePath: path.join(dir, 'Dockerfile'),
        args: {},
        builder: 'classic',
      },
      ref,
      exec: createExec(),
      force: true,
      labels: { 'managed-by': 'pctl', 'pctl-stack': 'unit' },
      onLine: (l) => lines.push(l),
    });
    expect(r.context?.kind).toBe('inputs');
    const history = (await execa('docker', ['history', '--no-trunc', '--format', '{{.CreatedBy}}', ref])).stdout.split(
      '\n',
    );
    const labelSteps = history.filter((l) => /LABEL/.test(l));
    expect(labelSteps).toHaveLength(1);
    expect(labelSteps[0]).toMatch(/managed-by=pctl.*pctl-stack=unit/);
    const labels = JSON.parse(
      (await execa('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', ref])).stdout,
    ) as Record<string, string>;
    expect(labels).toMatchObject({ 'managed-by': 'pctl', 'pctl-stack': 'unit' });
    // The 30 MB file the Dockerfile never reads was not sent.
    const sent = lines.find((l) => /Sending build context/.test(l));
    expect(sent).toMatch(/Sending build context to Docker daemon\s+[\d.]+kB\b/);
    const files = (await execa('docker', ['run', '--rm', ref, 'ls', '/app'])).stdout;
    expect(files).toBe('app.sh');
  }, 120_000);

  it('sends the whole context after .dockerignore, empty folders too, and never copies the generated Dockerfile', async () => {
    const ctx = path.join(dir, 'whole');
    mkdirSync(path.join(ctx, 'logs'), { recursive: true });
    writeFileSync(path.join(ctx, 'a.txt'), 'a');
    writeFileSync(path.join(ctx, 'x.tmp'), 'ignored');
    writeFileSync(path.join(ctx, '.dockerignore'), '*.tmp\n');
    writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY . /all\n');
    const r = await buildImage({
      spec: {
        service: 'api',
        contextDir: ctx,
        dockerfilePath: path.join(ctx, 'Dockerfile'),
        args: {},
        builder: 'docker',
      },
      ref: `${ref}-whole`,
      exec: createExec(),
      force: true,
      labels: { 'pctl-stack': 'unit' },
    });
    expect(r.context?.kind).toBe('folder');
    const ls = (
      await execa('docker', [
        'run',
        '--rm',
        `${ref}-whole`,
        'sh',
        '-c',
        'cd /all && ls -A && test -d logs && echo logs-is-a-folder',
      ])
    ).stdout.split('\n');
    expect(ls).toContain('a.txt');
    expect(ls).toContain('Dockerfile');
    expect(ls).toContain('logs-is-a-folder');
    expect(ls).not.toContain('x.tmp');
    expect(ls.filter((f) => f.startsWith('.pctl-Dockerfile'))).toEqual([]);
  }, 120_000);

  it("a failing step is BuildFailed naming the image, with the step's output as detail", async () => {
    const ctx = path.join(dir, 'fails');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(path.join(ctx, 'run.sh'), 'echo "syntax error in main.c line 42" >&2\nexit 7\n');
    writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY run.sh /run.sh\nRUN sh /run.sh\n');
    const lines: string[] = [];
    const spec = {
      service: 'api',
      contextDir: ctx,
      dockerfilePath: path.join(ctx, 'Dockerfile'),
      args: {},
      builder: 'classic' as const,
    };
    const err = await buildImage({
      spec,
      ref: `${ref}-fails`,
      exec: createExec(),
      force: true,
      onLine: (l) => lines.push(l),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'BuildFailed',
      message: `building ${ref}-fails failed: The command '/bin/sh -c sh /run.sh' returned a non-zero code: 7`,
    });
    expect((err as { detail: string }).detail).toContain('syntax error in main.c line 42');
    // The engine colours a step's stderr: the lines come without the escape codes.
    expect(lines).toContain('syntax error in main.c line 42');
    expect(lines.filter((l) => l.includes('\x1b'))).toEqual([]);
  }, 120_000);

  it('a Dockerfile the engine refuses is BuildFailed; no engine answering is the one DockerUnavailable line', async () => {
    const ctx = path.join(dir, 'refused');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nNOTANINSTRUCTION x\n');
    const spec = {
      service: 'api',
      contextDir: ctx,
      dockerfilePath: path.join(ctx, 'Dockerfile'),
      args: {},
      builder: 'docker' as const,
    };
    const refused = await buildImage({ spec, ref: `${ref}-fails`, exec: createExec(), force: true }).catch(
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({
      code: 'BuildFailed',
      message: expect.stringMatching(
        /^building pctl-build-unit:\d+-fails failed: .*unknown instruction: NOTANINSTRUCTION/i,
      ),
    });
    const saved = process.env.DOCKER_HOST;
    await closeEngines();
    process.env.DOCKER_HOST = 'unix:///tmp/pctl-no-engine-here.sock';
    try {
      const down = await buildImage({ spec, ref: `${ref}-fails`, exec: createExec(), force: true }).catch(
        (e: unknown) => e,
      );
      expect(down).toMatchObject({
        code: 'DockerUnavailable',
        message: `building ${ref}-fails: no Docker engine answers at unix:///tmp/pctl-no-engine-here.sock`,
      });
    } finally {
      process.env.DOCKER_HOST = saved;
      await closeEngines();
    }
  }, 120_000);
});
