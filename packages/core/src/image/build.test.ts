// buildImage on the real engine: labels in one step, only the read files sent.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExec } from '../exec.js';
import { buildImage } from './build.js';

let dir: string;
const ref = `pctl-build-unit:${process.pid}`;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-build-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await execa('docker', ['rmi', '-f', ref], { reject: false });
});

describe('buildImage', () => {
  it('puts every label in one LABEL step of the built stage and sends only what the Dockerfile reads', async () => {
    mkdirSync(path.join(dir, 'src'));
    writeFileSync(path.join(dir, 'src/app.sh'), 'echo hi\n');
    writeFileSync(path.join(dir, 'huge.bin'), Buffer.alloc(30 * 1024 * 1024));
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox AS build\nCOPY src /app\nFROM busybox\nCOPY --from=build /app /app\n');
    const lines: string[] = [];
    const r = await buildImage({
      spec: { service: 'api', contextDir: dir, dockerfilePath: path.join(dir, 'Dockerfile'), args: {}, builder: 'docker' },
      ref,
      exec: createExec(),
      force: true,
      labels: { 'managed-by': 'pctl', 'pctl-stack': 'unit' },
      onLine: (l) => lines.push(l),
    });
    expect(r.context?.kind).toBe('inputs');
    const history = (await execa('docker', ['history', '--no-trunc', '--format', '{{.CreatedBy}}', ref])).stdout.split('\n');
    const labelSteps = history.filter((l) => /LABEL/.test(l));
    expect(labelSteps).toHaveLength(1);
    expect(labelSteps[0]).toMatch(/managed-by=pctl.*pctl-stack=unit/);
    const labels = JSON.parse((await execa('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', ref])).stdout) as Record<string, string>;
    expect(labels).toMatchObject({ 'managed-by': 'pctl', 'pctl-stack': 'unit' });
    // The 30 MB file the Dockerfile never reads was not sent.
    const sent = lines.find((l) => /Sending build context/.test(l));
    expect(sent).toMatch(/Sending build context to Docker daemon\s+[\d.]+kB\b/);
    const files = (await execa('docker', ['run', '--rm', ref, 'ls', '/app'])).stdout;
    expect(files).toBe('app.sh');
  }, 120_000);
});
