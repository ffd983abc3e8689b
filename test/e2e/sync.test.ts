// `pctl sync`: the folders a Dockerfile copies (COPY web/ /www/) go into the running
// containers as they change, on the real engine; removals follow; Ctrl-C stops it; the
// next deploy still sees the change (sync never fools the fingerprint).
import { execa } from 'execa';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctlBin } from '../helpers/cli.js';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { freePort } from '../helpers/sshd.js';
import { until } from '../helpers/until.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'synctest';
const stack = useStack({ example: 'hello' });
const inContainer = async (c: string, file: string) =>
  (await execa('docker', ['exec', c, 'cat', file], { reject: false })).stdout;

beforeAll(async () => {
  await requireDocker();
  const port = await freePort();
  writeFileSync(
    stack.path('pctl.yaml'),
    readFileSync(stack.path('pctl.yaml'), 'utf8')
      .replace('name: hello', `name: ${STACK}`)
      .replace('18080:8080', `${port}:8080`),
  );
  writeFileSync(stack.path('web/old.html'), 'old page');
  const r = await stack.pctl(['deploy']);
  expect(r.exitCode).toBe(0);
}, 180_000);
afterAll(async () => {
  await removeStack(STACK);
});

describe('pctl sync', () => {
  it('syncs once: every copied folder of every service, into its containers', async () => {
    const r = await stack.pctl(['sync', '--once', '--json']);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    const rounds = JSON.parse(r.stdout).rounds as { key: string; files: number; containers: string[] }[];
    expect(rounds.map((x) => [x.key, x.containers])).toEqual([
      [`${STACK}-api`, [`${STACK}-api`]],
      [`${STACK}-web`, [`${STACK}-web`]],
    ]);
    expect(rounds.find((x) => x.key === `${STACK}-web`)!.files).toBe(3); // web/index.html, web/old.html, web/cgi-bin/api
  });

  it('watches: a changed file appears in the container, a removed one goes, Ctrl-C stops', async () => {
    const child = execa(process.execPath, [pctlBin, 'sync', 'web'], {
      cwd: stack.dir,
      reject: false,
      env: { NO_COLOR: '1' },
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await until('the watcher', async () => err.includes('watching web -> /www/'));
    writeFileSync(stack.path('web/index.html'), '<h1>synced live</h1>\n');
    await until('the new page in the container', async () =>
      (await inContainer(`${STACK}-web`, '/www/index.html')).includes('synced live'),
    );
    rmSync(stack.path('web/old.html'));
    await until(
      'the removal in the container',
      async () =>
        (await execa('docker', ['exec', `${STACK}-web`, 'test', '-e', '/www/old.html'], { reject: false })).exitCode ===
        1,
    );
    // Each line follows its copy: wait for them rather than reading stderr the moment the container shows it.
    const changed = new RegExp(`${STACK}-web synced 1 file to ${STACK}-web`);
    await until('the sync line', () => changed.test(err) || undefined, { detail: () => err });
    await until('the removal line', () => /synced .*1 removal/.test(err) || undefined, { detail: () => err });
    // api was not asked for: untouched.
    expect(err).not.toContain(`${STACK}-api synced`);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(0);
    expect(err).toContain('sync stopped');
  }, 90_000);

  it('does not fool the next deploy: the changed service redeploys', async () => {
    const r = await stack.pctl(['deploy', '--json']);
    expect(r.exitCode).toBe(0);
    const results = Object.fromEntries(
      JSON.parse(r.stdout).services.map((s: { key: string; result: string }) => [s.key, s.result]),
    );
    expect(results).toEqual({ [`${STACK}-api`]: 'skipped', [`${STACK}-web`]: 'deployed' });
    expect(await inContainer(`${STACK}-web`, '/www/index.html')).toContain('synced live');
  }, 120_000);

  it('rejects what it cannot sync with exit 2 and the reason', async () => {
    const unknown = await stack.pctl(['sync', 'nope', '--once']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/error: no service "nope"/);
    writeFileSync(
      stack.path('pctl.yaml'),
      `${readFileSync(stack.path('pctl.yaml'), 'utf8')}  cache:\n    image: busybox:latest\n    command: sleep 3600\n    provider: { name: docker }\n`,
    );
    const prebuilt = await stack.pctl(['sync', 'cache', '--once']);
    expect(prebuilt.exitCode).toBe(2);
    expect(prebuilt.stderr).toMatch(new RegExp(`error: ${STACK}-cache: its image is not built by pctl`));
  });
});
