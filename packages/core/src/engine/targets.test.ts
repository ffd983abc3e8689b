import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StackConfig } from '../config/schema.js';
import { nodeBuildFs, type BuildFs } from '../image/buildFs.js';
import { computeTargets } from './targets.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-targets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// The real file system, recording each file whose content is read.
function countingFs(reads: string[]): BuildFs {
  return {
    ...nodeBuildFs,
    readRegular: async (f, w) => {
      const b = await nodeBuildFs.readRegular(f, w);
      reads.push(path.relative(dir, f));
      return b;
    },
    hashRegular: async (f, w, h) => {
      await nodeBuildFs.hashRegular(f, w, h);
      reads.push(path.relative(dir, f));
    },
  };
}

describe('computeTargets with the hash cache', () => {
  it('a second run with nothing changed reads only the Dockerfiles, and fingerprints stay equal', async () => {
    const services: Record<string, unknown> = {};
    for (const name of ['a', 'b', 'c']) {
      mkdirSync(path.join(dir, name, 'src'), { recursive: true });
      writeFileSync(path.join(dir, name, 'Dockerfile'), 'FROM busybox\nCOPY src /app\n');
      for (let i = 0; i < 10; i++) writeFileSync(path.join(dir, name, 'src', `f${i}.js`), `${name}${i}`);
      services[name] = { image: `./${name}`, provider: { name: 'docker', options: {} } };
    }
    const config = { name: 'cachetest', services } as unknown as StackConfig;
    // Later runs take their stamp from a clock a minute on, instead of waiting for files to age.
    const now = () => Date.now() + 60_000;
    const first: string[] = [];
    const t1 = await computeTargets({
      stack: 'cachetest',
      config,
      configDir: dir,
      cwd: dir,
      hashing: { fs: countingFs(first), now },
    });
    expect(first.filter((f) => f.endsWith('.js'))).toHaveLength(30);
    const second: string[] = [];
    const t2 = await computeTargets({
      stack: 'cachetest',
      config,
      configDir: dir,
      cwd: dir,
      hashing: { fs: countingFs(second), now },
    });
    expect(second.sort()).toEqual(['a/Dockerfile', 'b/Dockerfile', 'c/Dockerfile']);
    expect(t2.map((t) => t.fingerprint)).toEqual(t1.map((t) => t.fingerprint));
  });
});

describe('computeTargets at scale', () => {
  it('gives every target the same image-ref map: a copy per service made plan quadratic in memory', async () => {
    const services: Record<string, unknown> = {};
    for (let i = 0; i < 2_000; i++)
      services[`s${i}`] = { image: `busybox:${i}`, provider: { name: 'docker', options: {} } };
    const config = { name: 'scale', services } as unknown as StackConfig;
    const targets = await computeTargets({ stack: 'scale', config, configDir: dir });
    expect(targets).toHaveLength(2_000);
    expect(new Set(targets.map((t) => t.imageRefs)).size).toBe(1);
    expect(targets[1_999]!.imageRefs).toMatchObject({ s0: 'busybox:0', s1999: 'busybox:1999' });
    // Shared, so no provider may change it for the others.
    expect(Object.isFrozen(targets[0]!.imageRefs)).toBe(true);
  });

  it('names the line of a pctl:// reference in a raw manifest that names no service', async () => {
    writeFileSync(path.join(dir, 'm.yaml'), 'a: pctl://api\nb: 1\nc: pctl://api pctl://api\n\n\nd: pctl://nope\n');
    const services = {
      api: { image: 'busybox:1', provider: { name: 'kind', options: {} } },
      raw: { manifests: ['m.yaml'], provider: { name: 'kind', options: {} } },
    };
    const config = { name: 'lines', services } as unknown as StackConfig;
    await expect(computeTargets({ stack: 'lines', config, configDir: dir })).rejects.toThrow(
      /^m\.yaml:6 \(services\.raw\.manifests\): pctl:\/\/nope names no service/,
    );
  });
});
