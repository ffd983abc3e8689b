// pctl's build-context listing against what the real Docker engine copies, case by case:
// `FROM scratch` + `COPY . /ctx`, then the image's files are listed from `docker export`.
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listContextFiles } from './context.js';
import { parseDockerignore, isExcluded, cleanPath } from './dockerignore.js';

const TREE = [
  'a.txt',
  'b.log',
  'c.md',
  '.hidden',
  'x1.txt',
  'x2.txt',
  'xa.txt',
  'x!.txt',
  'src/app.js',
  'src/app.test.js',
  'src/lib/util.js',
  'src/lib/util.log',
  'docs/readme.md',
  'docs/img/logo.png',
  'docs/img/shot.jpg',
  'build/out.js',
  'build/keep.txt',
  'node_modules/x/index.js',
  'node_modules/x/package.json',
  'logs/2024/a.log',
  'logs/keep.log',
  'deep/a/b/c/keep.log',
  'deep/a/b/c/drop.txt',
];

const CASES: string[] = [
  '*.log',
  '**/*.log',
  'node_modules',
  'node_modules/',
  '/build',
  'build\n!build/keep.txt',
  '**/*.log\n!logs/keep.log',
  'logs\n!**/keep.log',
  'logs\n!logs/keep.log',
  '*\n!src',
  '*\n!src\nsrc/lib',
  'x?.txt',
  'x[0-9].txt',
  'x[!a].txt',
  'x[^a].txt',
  '# a comment\n\n   a.txt   \n',
  './a.txt',
  'src/../a.txt',
  'Dockerfile\n.dockerignore',
  '**',
  '**\n!src/**',
  'src/**/*.js',
  '*/*.md',
  'docs/**',
  '!a.txt',
  '**/lib',
  'src\n!src/lib/util.js',
  '*.txt\n!x*.txt\nx2.txt',
  '.*',
  'docs\n!docs/img\ndocs/img/*.png',
  'deep/**/keep.log',
  'deep\n!deep/a/b/c/keep.log',
  '**/c\n!deep/a/b/c/keep.log',
  'link*',
];

let root: string;
beforeAll(async () => {
  const r = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false });
  if (r.exitCode !== 0)
    throw new Error(
      `no Docker engine answers (DOCKER_HOST=${process.env.DOCKER_HOST ?? 'default'}): run \`source scripts/ensure-docker.sh\``,
    );
  root = mkdtempSync(path.join(os.tmpdir(), 'pctl-ignore-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function dockerList(ctx: string, tag: string): Promise<string[]> {
  // --no-cache: a cached layer may belong to another case's image, removed meanwhile.
  await execa('docker', ['build', '-q', '--no-cache', '-t', tag, ctx], { env: { DOCKER_BUILDKIT: '0' } });
  const id = (await execa('docker', ['create', tag, 'none'])).stdout.trim();
  try {
    const tar = await execa('docker', ['export', id], { encoding: 'buffer' });
    const listing = await execa('tar', ['-t'], { input: tar.stdout as unknown as Buffer });
    return String(listing.stdout)
      .split('\n')
      .filter((l) => l.startsWith('ctx/') && !l.endsWith('/'))
      .map((l) => l.slice(4))
      .sort();
  } finally {
    await execa('docker', ['rm', '-f', id], { reject: false });
    await execa('docker', ['rmi', '-f', tag], { reject: false });
  }
}

async function mapLimit<T>(items: T[], n: number, fn: (x: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

describe('.dockerignore: pctl lists exactly what Docker copies', () => {
  it(`agrees with the real engine on ${CASES.length} cases`, async () => {
    const mismatches: string[] = [];
    await mapLimit(CASES, 3, async (patterns, i) => {
      const ctx = path.join(root, `case${i}`);
      for (const f of TREE) {
        mkdirSync(path.dirname(path.join(ctx, f)), { recursive: true });
        writeFileSync(path.join(ctx, f), f);
      }
      symlinkSync('a.txt', path.join(ctx, 'link-to-a'));
      writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY . /ctx\n');
      writeFileSync(path.join(ctx, '.dockerignore'), patterns);
      const ours = await listContextFiles({
        contextDir: ctx,
        dockerfilePath: path.join(ctx, 'Dockerfile'),
        args: {},
        builder: 'docker',
      });
      const theirs = await dockerList(ctx, `pctl-ignore-test:${i}`);
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
        mismatches.push(
          `case ${i} ${JSON.stringify(patterns)}:\n  pctl:   ${ours.join(' ')}\n  docker: ${theirs.join(' ')}`,
        );
      }
    });
    expect(mismatches.join('\n')).toBe('');
  }, 600_000);
});

describe('dockerignore rules', () => {
  it('cleans patterns like Go and drops a leading slash', () => {
    expect(cleanPath('./a/../b//c/')).toBe('b/c');
    expect(parseDockerignore('/build\n!./src/../keep\n# c\n').map((p) => [p.text, p.exclusion])).toEqual([
      ['build', false],
      ['keep', true],
    ]);
  });

  it('matches parents and applies exceptions in order', () => {
    const p = parseDockerignore('node_modules\n*.log\n!important.log');
    expect(isExcluded('node_modules/x/y.js', p)).toBe(true);
    expect(isExcluded('a.log', p)).toBe(true);
    expect(isExcluded('important.log', p)).toBe(false);
    expect(isExcluded('src/a.log', p)).toBe(false);
  });
});
