// docs/providers/tutorial.md, step by step: a new folder, the kit installed from its packed tarball
// (npm pack, not a workspace link), the provider and its conformance test written exactly
// as the page shows them, `node --test`, then the provider used from a stack file by pctl.
import { execa } from 'execa';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctl, repoRoot, tempDir } from '../helpers/cli.js';
import { labelled, removeStack, requireDocker } from '../helpers/docker.js';

const doc = readFileSync(path.join(repoRoot, 'docs/providers/tutorial.md'), 'utf8');
const blocks = [...doc.matchAll(/```(\w+)([^\n]*)\n([\s\S]*?)```/g)].map((m) => ({
  lang: m[1]!,
  info: m[2]!.trim(),
  body: m[3]!,
}));
const files = Object.fromEntries(
  blocks.filter((b) => b.info.startsWith('file=')).map((b) => [b.info.slice(5), b.body]),
);
const shellSteps = blocks.filter((b) => b.lang === 'sh');

let tmp: ReturnType<typeof tempDir>;
let site: string;
let tarball: string;
const npmEnv = {
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

beforeAll(async () => {
  await requireDocker();
  tmp = tempDir('pctl-tutorial-');
  const packed = await execa(
    'npm',
    ['pack', path.join(repoRoot, 'packages/provider-kit'), '--pack-destination', tmp.dir, '--json'],
    { env: npmEnv },
  );
  tarball = path.join(tmp.dir, JSON.parse(packed.stdout)[0].filename);
}, 120_000);
afterAll(async () => {
  await removeStack('site');
  tmp?.cleanup();
});

describe('the provider tutorial (docs/providers/tutorial.md)', () => {
  it('the page holds the provider, its conformance test and the stack file', () => {
    expect(Object.keys(files).sort()).toEqual(['conformance.test.mjs', 'pctl.yaml', 'static-provider.mjs']);
  });

  it('step 1: a new folder with the packed kit installed, and nothing else', async () => {
    // The page's first shell block, with the registry package replaced by the tarball.
    const script = shellSteps[0]!.body
      .replace(/#.*$/gm, '')
      .replace('npm install @pctl/provider-kit', `npm install ${tarball}`);
    await execa('bash', ['-euo', 'pipefail', '-c', script], { cwd: tmp.dir, env: npmEnv });
    site = path.join(tmp.dir, 'static-site');
    expect(readdirSync(path.join(site, 'node_modules')).filter((n) => !n.startsWith('.'))).toEqual(['@pctl']);
    expect(readdirSync(path.join(site, 'node_modules/@pctl'))).toEqual(['provider-kit']);
    const kit = JSON.parse(readFileSync(path.join(site, 'node_modules/@pctl/provider-kit/package.json'), 'utf8'));
    expect(kit.dependencies ?? {}).toEqual({});
    expect(readdirSync(path.join(site, 'node_modules/@pctl/provider-kit/dist'))).toContain('index.d.ts');
  }, 120_000);

  it('steps 2-3: the provider passes the conformance kit under node --test', async () => {
    for (const [name, body] of Object.entries(files)) writeFileSync(path.join(site, name), body);
    const r = await execa(process.execPath, ['--test'], { cwd: site, reject: false });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const id of [
      'validate-options',
      'deploy',
      'secrets',
      'idempotent',
      'update-in-place',
      'destroy-waits',
      'destroy-gone',
      'deploy-after-destroy',
      'interrupted',
      'errors',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`ok   ${id}:`));
    }
  }, 300_000);

  it('step 4: pctl validates, deploys, skips unchanged, and destroys with it', async () => {
    expect((await pctl(['validate'], { cwd: site })).exitCode).toBe(0);
    const first = await pctl(['deploy'], { cwd: site });
    expect(first.stderr).not.toMatch(/^error/m);
    expect(first.exitCode).toBe(0);
    expect(await (await fetch('http://127.0.0.1:18090/')).text()).toContain('hello from static');
    const second = await pctl(['deploy'], { cwd: site });
    expect(second.exitCode).toBe(0);
    expect(second.stderr).toContain('site-web unchanged, skipping');
    writeFileSync(path.join(site, 'pctl.yaml'), files['pctl.yaml']!.replace('port: 18090', 'port: 0, prot: 1'));
    const invalid = await pctl(['deploy'], { cwd: site });
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stderr).toMatch(/pctl\.yaml.*services\.web\.provider\.options\.(port|prot)/);
    writeFileSync(path.join(site, 'pctl.yaml'), files['pctl.yaml']!);
    const gone = await pctl(['destroy'], { cwd: site });
    expect(gone.exitCode).toBe(0);
    expect(await labelled('container', 'site')).toEqual([]);
  }, 300_000);
});
