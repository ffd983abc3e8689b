import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeBuildFs, type BuildFs } from './buildFs.js';
import { contextTar } from './contextTar.js';
import { contextPlan } from './contextPlan.js';
import { hashBuildInputs } from './hash.js';
import { HashCache } from './hashCache.js';
import type { BuildSpec } from './spec.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(files: Record<string, string>) {
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), body);
  }
}
const spec = (): BuildSpec => ({
  service: 'api',
  contextDir: path.join(dir, 'ctx'),
  dockerfilePath: path.join(dir, 'ctx/Dockerfile'),
  args: {},
  builder: 'docker',
});

// The real file system, counting every file whose content was read, by name.
function countingFs(): BuildFs & { contentReads: string[] } {
  const contentReads: string[] = [];
  return {
    ...nodeBuildFs,
    contentReads,
    readRegular: async (f, w) => {
      const b = await nodeBuildFs.readRegular(f, w);
      contentReads.push(path.basename(f));
      return b;
    },
    hashRegular: async (f, w, h) => {
      await nodeBuildFs.hashRegular(f, w, h);
      contentReads.push(path.basename(f));
    },
  };
}

describe('hash cache', () => {
  it('a no-op reads no context file content; an edit that keeps size and mtime is still seen; deleting the cache is safe', async () => {
    const files: Record<string, string> = { 'ctx/Dockerfile': 'FROM scratch\nCOPY src /app\n', 'ctx/other.txt': 'o' };
    for (let i = 0; i < 30; i++) files[`ctx/src/f${i}.js`] = `// ${i}\n`;
    write(files);
    const cacheFile = path.join(dir, '.pctl/s.hashes.json');
    // Later runs take their stamp from a clock moved on by a minute (instead of waiting).
    const later = () => Date.now() + 60_000;
    const first = countingFs();
    let cache = await HashCache.load(cacheFile, later);
    const base = await hashBuildInputs(spec(), { cache, fs: first });
    await cache.save();
    expect(first.contentReads.filter((f) => f.endsWith('.js'))).toHaveLength(30);

    const second = countingFs();
    cache = await HashCache.load(cacheFile, later);
    const again = await hashBuildInputs(spec(), { cache, fs: second });
    expect(again.hash).toBe(base.hash);
    expect(second.contentReads).toEqual(['Dockerfile']);
    expect(cache.hits).toBe(30);

    // Same size, same mtime (put back), new bytes: the inode's ctime moves, so it is re-read.
    const f3 = path.join(dir, 'ctx/src/f3.js');
    const st = statSync(f3);
    writeFileSync(f3, '// X\n');
    utimesSync(f3, st.atime, st.mtime);
    const third = countingFs();
    cache = await HashCache.load(cacheFile, later);
    const edited = await hashBuildInputs(spec(), { cache, fs: third });
    expect(third.contentReads).toEqual(['Dockerfile', 'f3.js']);
    expect(edited.hash).not.toBe(base.hash);

    rmSync(cacheFile);
    const fresh = countingFs();
    expect((await hashBuildInputs(spec(), { cache: await HashCache.load(cacheFile), fs: fresh })).hash).toBe(
      edited.hash,
    );
    expect(fresh.contentReads).toHaveLength(31);
    writeFileSync(cacheFile, '{"version":1,"stamp":"x"');
    expect((await hashBuildInputs(spec(), { cache: await HashCache.load(cacheFile) })).hash).toBe(edited.hash);
  });

  it('never trusts an entry for a file changed close to the moment the cache was taken (racy-git rule)', async () => {
    write({ 'ctx/Dockerfile': 'FROM scratch\nCOPY src /app\n', 'ctx/src/a.js': '1' });
    const cacheFile = path.join(dir, '.pctl/s.hashes.json');
    let cache = await HashCache.load(cacheFile);
    await hashBuildInputs(spec(), { cache });
    await cache.save();
    // The file's times are within the margin of the stamp: stat equal, yet it is read again.
    const run = countingFs();
    cache = await HashCache.load(cacheFile);
    await hashBuildInputs(spec(), { cache, fs: run });
    expect(run.contentReads).toEqual(['Dockerfile', 'a.js']);
    expect(cache.hits).toBe(0);
  });

  it('names the service, the file and the fix for an unreadable context file', async () => {
    write({ 'ctx/Dockerfile': 'FROM scratch\nCOPY src /app\n', 'ctx/src/secret.txt': 's' });
    const denied: BuildFs = {
      ...nodeBuildFs,
      hashRegular: async () => {
        throw Object.assign(new Error("EACCES: permission denied, open 'x'"), { code: 'EACCES' });
      },
    };
    await expect(hashBuildInputs(spec(), { fs: denied })).rejects.toThrow(
      /^service api: cannot read build context file .*ctx\/src\/secret\.txt: permission denied$/,
    );
    await expect(hashBuildInputs(spec(), { fs: denied })).rejects.toMatchObject({
      hint: 'make it readable (chmod a+r), or exclude it in .dockerignore',
      exitCode: 2,
    });
  });
});

describe('minimal build context', () => {
  it('holds only the files the Dockerfile reads, their folders, the .dockerignore and the Dockerfile', async () => {
    const long = `src/${'n'.repeat(120)}/${'m'.repeat(40)}.js`;
    write({
      'ctx/Dockerfile': 'FROM scratch\nCOPY src /app\nCOPY conf-link /c\n',
      'ctx/.dockerignore': '**/*.log\n',
      'ctx/src/a.js': 'a',
      [`ctx/${long}`]: 'l',
      'ctx/conf/x.conf': 'x',
      'ctx/big.bin': 'b'.repeat(100_000),
      'ctx/src/drop.log': 'd',
    });
    symlinkSync('conf', path.join(dir, 'ctx/conf-link'));
    const { analyzed } = await hashBuildInputs(spec());
    const plan = contextPlan(spec(), analyzed);
    expect(plan.kind).toBe('inputs');
    if (plan.kind !== 'inputs') return;
    const tar = contextTar({
      contextDir: spec().contextDir,
      entries: plan.entries,
      extra: [{ rel: '.pctl-Dockerfile-x', body: 'FROM scratch\n' }],
    });
    const listing = await execa('tar', ['-t'], { input: tar });
    expect(listing.stdout.split('\n').sort()).toEqual(
      [
        '.dockerignore',
        '.pctl-Dockerfile-x',
        'conf-link',
        'conf/',
        'conf/x.conf',
        'src/',
        `src/${'n'.repeat(120)}/`,
        long,
        'src/a.js',
      ].sort(),
    );
    expect(plan.describe).toMatch(
      /^only the 4 files the Dockerfile reads, the \.dockerignore and the Dockerfile, as a tar stream/,
    );
  });
});
