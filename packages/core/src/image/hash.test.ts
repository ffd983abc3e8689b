import { chmodSync, mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copiedFiles, parseCopies, syncPairs, withEntrypoint } from './dockerfile.js';
import { diffBuildRecords, hashBuildInputs } from './hash.js';
import { buildSpecFor, type BuildSpec } from './spec.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-hash-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(files: Record<string, string>) {
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), body);
  }
}
const spec = (dockerfile: string, extra: Partial<BuildSpec> = {}): BuildSpec => ({
  contextDir: dir,
  dockerfilePath: path.join(dir, dockerfile),
  args: {},
  builder: 'docker',
  ...extra,
});

describe('Dockerfile COPY/ADD sources', () => {
  it('finds sources across flags, JSON form, continuations; skips --from, URLs and heredocs', () => {
    const df = [
      'FROM node AS build',
      'COPY --chown=1000:1000 package.json package-lock.json /app/',
      'COPY ["src", "/app/src"]',
      'ADD https://example.com/x.tgz /tmp/',
      'COPY --from=build /app/dist /dist',
      'copy \\',
      '  lib /lib',
      'COPY <<EOF /etc/x',
      '# COPY commented /nope',
    ].join('\n');
    expect(parseCopies(df).flatMap((c) => c.sources)).toEqual(['package.json', 'package-lock.json', 'src', 'lib']);
    expect(syncPairs(df)).toEqual([
      { source: 'src', dest: '/app/src' },
      { source: 'lib', dest: '/lib' },
    ]);
  });

  it('selects copied files: folders recursively, globs, everything for COPY .', () => {
    const files = ['a.js', 'b.css', 'src/x.js', 'src/deep/y.js', 'srcx/z.js', 'web/index.html'];
    expect(copiedFiles('FROM x\nCOPY src /s\nCOPY *.js /j/\n', files)).toEqual(['a.js', 'src/x.js', 'src/deep/y.js']);
    expect(copiedFiles('FROM x\nCOPY ./ /app\n', files)).toEqual(files);
    expect(copiedFiles('FROM x\nRUN true\n', files)).toEqual([]);
  });

  it('applies an entrypoint override in memory', () => {
    expect(withEntrypoint('FROM x\nCMD ["a"]\n', ['/bin/sh', '-c', 'run'])).toBe(
      'FROM x\nCMD ["a"]\nENTRYPOINT ["/bin/sh","-c","run"]\n',
    );
  });
});

describe('build hash', () => {
  it('changes with content, mode, args, target and entrypoint, not with mtime or ignored files', async () => {
    write({
      Dockerfile: 'FROM busybox\nCOPY . /app\n',
      'app.sh': 'echo hi\n',
      'notes.log': 'x',
      '.dockerignore': '*.log\n',
    });
    const base = await hashBuildInputs(spec('Dockerfile'));
    expect(base.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await hashBuildInputs(spec('Dockerfile'))).hash).toBe(base.hash);
    const old = new Date(2001, 1, 1);
    utimesSync(path.join(dir, 'app.sh'), old, old);
    expect((await hashBuildInputs(spec('Dockerfile'))).hash).toBe(base.hash);
    write({ 'notes.log': 'changed, but ignored' });
    expect((await hashBuildInputs(spec('Dockerfile'))).hash).toBe(base.hash);
    write({ 'pctl.mystack.json': '{}', '.pctl/mystack.builds.json': '{}' });
    expect((await hashBuildInputs(spec('Dockerfile'))).hash).toBe(base.hash);
    chmodSync(path.join(dir, 'app.sh'), 0o755);
    const exec = await hashBuildInputs(spec('Dockerfile'));
    expect(exec.hash).not.toBe(base.hash);
    expect(diffBuildRecords(base, exec)).toBe('app.sh changed');
    expect((await hashBuildInputs(spec('Dockerfile', { args: { V: '1' } }))).hash).not.toBe(exec.hash);
    expect((await hashBuildInputs(spec('Dockerfile', { target: 'prod' }))).hash).not.toBe(exec.hash);
    const ep = await hashBuildInputs(spec('Dockerfile', { entrypoint: ['sh'] }));
    expect(ep.hash).not.toBe(exec.hash);
    expect(diffBuildRecords(exec, ep)).toBe('the Dockerfile changed');
    symlinkSync('app.sh', path.join(dir, 'link'));
    const linked = await hashBuildInputs(spec('Dockerfile'));
    expect(diffBuildRecords(exec, linked)).toBe('link was added');
  });

  it('with a shared context, a file only service A copies changes only A', async () => {
    write({
      'a.Dockerfile': 'FROM busybox\nCOPY a/ /a/\n',
      'b.Dockerfile': 'FROM busybox\nCOPY b/ /b/\nCOPY shared.txt /\n',
      'a/main.js': '1',
      'b/main.js': '1',
      'shared.txt': 's',
    });
    const a1 = await hashBuildInputs(spec('a.Dockerfile'));
    const b1 = await hashBuildInputs(spec('b.Dockerfile'));
    write({ 'a/main.js': '2' });
    expect((await hashBuildInputs(spec('a.Dockerfile'))).hash).not.toBe(a1.hash);
    expect((await hashBuildInputs(spec('b.Dockerfile'))).hash).toBe(b1.hash);
    write({ 'shared.txt': 't' });
    expect((await hashBuildInputs(spec('b.Dockerfile'))).hash).not.toBe(b1.hash);
  });
});

describe('build specs', () => {
  it('reads ./Dockerfile paths, ./folders and build blocks; prebuilt refs build nothing', () => {
    write({ 'api/Dockerfile': 'FROM x\n', 'web.Dockerfile': 'FROM x\n', 'ctx/docker/Dockerfile.prod': 'FROM x\n' });
    const p = { name: 'docker', options: {} };
    expect(buildSpecFor({ image: './web.Dockerfile', provider: p }, dir)).toMatchObject({
      contextDir: dir,
      dockerfilePath: path.join(dir, 'web.Dockerfile'),
    });
    expect(buildSpecFor({ image: './api', provider: p }, dir)).toMatchObject({
      contextDir: path.join(dir, 'api'),
      dockerfilePath: path.join(dir, 'api/Dockerfile'),
    });
    expect(
      buildSpecFor(
        {
          build: { context: './ctx', dockerfile: 'docker/Dockerfile.prod', args: { A: '1' }, target: 't' },
          provider: p,
        },
        dir,
      ),
    ).toMatchObject({
      contextDir: path.join(dir, 'ctx'),
      args: { A: '1' },
      target: 't',
    });
    expect(buildSpecFor({ image: 'nginx:1.27', provider: p }, dir)).toBeUndefined();
    expect(() => buildSpecFor({ image: './missing', provider: p }, dir)).toThrow(/no such Dockerfile or folder/);
  });
});
