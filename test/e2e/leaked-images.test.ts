// Images a killed deploy leaves behind (built, tagged, never recorded in state) are removed
// by the next deploy and by destroy; nothing pctl's builds did not record, nothing without
// both pctl labels of this stack, and nothing a container uses, is touched. Real Docker engine.
import { execa } from 'execa';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctl, writeTree } from '../helpers/cli.js';
import { docker, labelled, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'leakimg';
const OTHER = 'leakimg-other';
const QUIET = 'leakimg-quiet';
const SHARED = 'leakimg-shared';
const stack = useStack();
const keepers: string[] = [];

// Builds a one-file image with the given labels, as a killed pctl would have left it.
async function buildImage(tag: string, labels: Record<string, string>, content: string): Promise<void> {
  const ctx = stack.path(`ctx-${tag.replace(/[:/]/g, '-')}`);
  writeTree(ctx, { Dockerfile: 'FROM busybox:latest\nCOPY f /f\n', f: content });
  const args = ['build', '-q', '-t', tag, ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]), ctx];
  const r = await execa('docker', args, { reject: false });
  if (r.exitCode !== 0) throw new Error(`docker build failed: ${r.stderr}`);
}

// What a pctl killed mid-build leaves in its folder: the references it was building, and the marker.
function recordKilledBuild(folder: string, stack: string, refs: string[]): void {
  mkdirSync(path.join(folder, '.pctl'), { recursive: true });
  appendFileSync(path.join(folder, '.pctl', `${stack}.images`), refs.map((r) => `${r}\n`).join(''));
  writeFileSync(path.join(folder, '.pctl', `${stack}.building`), '1 killed\n');
}

const tags = async () => (await docker(['images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n');

beforeAll(async () => {
  await requireDocker();
  stack.write({
    // One release kept: the image a deploy replaces is no kept release's, so it goes (releases.test.ts keeps them).
    'pctl.yaml': `name: ${STACK}\nhistory: 1\nservices:\n  web:\n    image: ./web\n    command: sleep 3600\n    provider: { name: docker }\n`,
    'web/Dockerfile': 'FROM busybox:latest\nCOPY site /site\n',
    'web/site/index.html': 'v1\n',
  });
});
afterAll(async () => {
  await removeStack(STACK);
  await removeStack(OTHER);
  await removeStack(QUIET);
  await removeStack(SHARED);
  for (const c of keepers) await execa('docker', ['rm', '-f', c], { reject: false });
  for (const t of ['pctl-leakimg-nolabel:x', 'pctl-leakimg-web:used'])
    await execa('docker', ['rmi', '-f', t], { reject: false });
});

describe('leaked images', () => {
  it('deploy and destroy remove the stack images no entry records and no container uses, and nothing else', async () => {
    const pctlLabels = { 'managed-by': 'pctl', 'pctl-stack': STACK };
    await buildImage('pctl-leakimg-web:leak1', pctlLabels, 'leak 1');
    await buildImage('pctl-leakimg-web:leak2', pctlLabels, 'leak 2');
    await buildImage('pctl-leakimg-web:used', pctlLabels, 'used by a container');
    await buildImage('pctl-leakimg-nolabel:x', { 'pctl-stack': STACK }, 'only one label');
    await buildImage('pctl-leakimg-other-web:x', { 'managed-by': 'pctl', 'pctl-stack': OTHER }, 'another stack');
    const user = `leakimg-keeper-${process.pid}`;
    keepers.push(user);
    await docker(['create', '--name', user, 'pctl-leakimg-web:used', 'true']);
    // Recorded as pctl's builds: the one-label and other-stack images still stay (their labels say so).
    recordKilledBuild(stack.dir, STACK, [
      'pctl-leakimg-web:leak1',
      'pctl-leakimg-web:leak2',
      'pctl-leakimg-web:used',
      'pctl-leakimg-nolabel:x',
      'pctl-leakimg-other-web:x',
    ]);

    const first = await stack.pctl(['deploy']);
    expect(first.exitCode, first.stderr).toBe(0);
    let now = await tags();
    expect(now).not.toContain('pctl-leakimg-web:leak1');
    expect(now).not.toContain('pctl-leakimg-web:leak2');
    expect(now).toContain('pctl-leakimg-web:used');
    expect(now).toContain('pctl-leakimg-nolabel:x');
    expect(now).toContain('pctl-leakimg-other-web:x');
    const deployed = (await labelled('image', STACK)).filter((t) => t !== 'pctl-leakimg-web:used');
    expect(deployed).toHaveLength(1); // the image web runs

    // A second generation: the old image goes (replaced), the new one stays.
    writeFileSync(stack.path('web/site/index.html'), 'v2\n');
    const second = await stack.pctl(['deploy']);
    expect(second.exitCode, second.stderr).toBe(0);
    expect((await labelled('image', STACK)).filter((t) => t !== 'pctl-leakimg-web:used')).toHaveLength(1);
    expect(await labelled('image', STACK)).not.toContain(deployed[0]);

    const destroy = await stack.pctl(['destroy']);
    expect(destroy.exitCode, destroy.stderr).toBe(0);
    // Only the image a container still uses is left of this stack.
    expect(await labelled('image', STACK)).toEqual(['pctl-leakimg-web:used']);
    now = await tags();
    expect(now).toContain('pctl-leakimg-nolabel:x');
    expect(now).toContain('pctl-leakimg-other-web:x');
  }, 300_000);

  it('a deploy that builds nothing sweeps only after a run that started builds (a no-op loads no engine client)', async () => {
    const quiet = stack.path('quiet');
    const trace = stack.path('quiet-trace.txt');
    writeTree(quiet, {
      'pctl.yaml': `name: ${QUIET}\nservices:\n  web:\n    image: ./web\n    command: sleep 3600\n    provider: { name: docker }\n`,
      'web/Dockerfile': 'FROM busybox:latest\nCOPY site /site\n',
      'web/site/index.html': 'quiet\n',
      'hooks.mjs':
        "import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.PCTL_TRACE, r.url + '\\n'); return r; }\n",
      'register.mjs': "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
    });
    const marker = path.join(quiet, '.pctl', `${QUIET}.building`);
    const traced = async () => {
      writeFileSync(trace, '');
      const r = await pctl(['deploy', '--json'], {
        cwd: quiet,
        env: { PCTL_TRACE: trace, NODE_OPTIONS: `--import ${quiet}/register.mjs` },
      });
      expect(r.exitCode, r.stderr).toBe(0);
      return {
        result: JSON.parse(r.stdout).services[0].result as string,
        engineClient: /node_modules\/dockerode\/|packages\/cli\/bundle\/dockerode\.js/.test(
          readFileSync(trace, 'utf8'),
        ),
      };
    };
    expect(await traced()).toEqual({ result: 'deployed', engineClient: true });
    expect(existsSync(marker), 'the sweep after the build clears the marker').toBe(false);
    // Nothing changed, nothing built: the engine is not spoken to at all.
    expect(await traced()).toEqual({ result: 'skipped', engineClient: false });
    // A run killed mid-build leaves the marker (and an image): the next no-op deploy sweeps.
    await buildImage('pctl-leakimg-quiet-web:leak', { 'managed-by': 'pctl', 'pctl-stack': QUIET }, 'killed build');
    recordKilledBuild(quiet, QUIET, ['pctl-leakimg-quiet-web:leak']);
    expect(await traced()).toEqual({ result: 'skipped', engineClient: true });
    expect(await tags()).not.toContain('pctl-leakimg-quiet-web:leak');
    expect(existsSync(marker)).toBe(false);
  }, 300_000);

  it('destroying a service keeps the image another service runs (pctl://), and the last one removes it', async () => {
    const shared = stack.path('shared');
    writeTree(shared, {
      'pctl.yaml':
        `name: ${SHARED}\nservices:\n  api:\n    image: ./api\n    command: sleep 3600\n    provider: { name: docker }\n` +
        '  worker:\n    image: pctl://api\n    command: sleep 3600\n    provider: { name: docker }\n',
      'api/Dockerfile': 'FROM busybox:latest\nCOPY f /f\n',
      'api/f': 'shared build\n',
    });
    const deploy = await pctl(['deploy'], { cwd: shared });
    expect(deploy.exitCode, deploy.stderr).toBe(0);
    const [image] = await labelled('image', SHARED);
    expect(image).toMatch(/^pctl-leakimg-shared-api:/);
    const running = async () =>
      (await docker(['ps', '--filter', `label=pctl-stack=${SHARED}`, '--format', '{{.Image}}']))
        .split('\n')
        .filter(Boolean);
    expect(await running()).toEqual([image, image]);
    // Either one goes first: the image stays while the other runs it.
    const one = await pctl(['destroy', 'api'], { cwd: shared });
    expect(one.exitCode, one.stderr).toBe(0);
    expect(await running()).toEqual([image]);
    expect(await tags()).toContain(image);
    const rest = await pctl(['destroy'], { cwd: shared });
    expect(rest.exitCode, rest.stderr).toBe(0);
    expect(await running()).toEqual([]);
    expect(await tags()).not.toContain(image);
  }, 300_000);
});
