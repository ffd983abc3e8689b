// examples/hello on the real Docker engine: deploy, no-op redeploy, a change to one
// service's files, removing a service, destroy, and deploy after destroy.
import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerIds, labelled, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'hello-e2e';
const stack = useStack({ example: 'hello' });
const run = (args: string[], env: Record<string, string> = {}) => stack.pctl([...args, '--name', STACK], { env });
const state = () => JSON.parse(readFileSync(stack.path(`pctl.${STACK}.json`), 'utf8'));
const results = (stdout: string) =>
  Object.fromEntries(JSON.parse(stdout).services.map((s: { key: string; result: string }) => [s.key, s.result]));

beforeAll(async () => {
  await requireDocker();
  // The example publishes 18080; the test uses another port so a running demo does not clash.
  const yaml = readFileSync(stack.path('pctl.yaml'), 'utf8');
  writeFileSync(stack.path('pctl.yaml'), yaml.replace('"18080:8080"', '"18181:8080"'));
});
afterAll(async () => {
  await removeStack(STACK);
});

describe('examples/hello on Docker', () => {
  it('deploys for real and answers over HTTP, web reaching api by name', async () => {
    const r = await run(['deploy', '--json']);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${STACK}-api`]: 'deployed', [`${STACK}-web`]: 'deployed' });
    expect(await labelled('container', STACK)).toEqual([`${STACK}-api`, `${STACK}-web`]);
    const page = await fetch('http://127.0.0.1:18181/');
    expect(await page.text()).toContain('Hello from pctl');
    const viaApi = await fetch('http://127.0.0.1:18181/cgi-bin/api');
    expect(await viaApi.json()).toEqual({ service: 'api', ok: true });
    const s = state();
    expect(s[`${STACK}-web`]).toMatchObject({
      provider: 'docker',
      labels: { 'managed-by': 'pctl', 'pctl-stack': STACK, 'pctl-service': `${STACK}-web` },
      hasPorts: true,
    });
    expect(s[`${STACK}-web`].image).toMatch(new RegExp(`^pctl-${STACK}-web:[0-9a-f]{12}$`));
  });

  it('touches nothing on a second deploy with no change', async () => {
    const before = await containerIds(STACK);
    const r = await run(['deploy', '--json']);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${STACK}-api`]: 'skipped', [`${STACK}-web`]: 'skipped' });
    expect(r.stderr).toContain(`${STACK}-web unchanged, skipping`);
    expect(await containerIds(STACK)).toEqual(before);
  });

  it('redeploys only the service whose copied files changed', async () => {
    const before = await containerIds(STACK);
    appendFileSync(stack.path('web/index.html'), '<p>changed</p>\n');
    const r = await run(['deploy', '--json']);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${STACK}-api`]: 'skipped', [`${STACK}-web`]: 'deployed' });
    const after = await containerIds(STACK);
    expect(after[`${STACK}-api`]).toBe(before[`${STACK}-api`]);
    expect(after[`${STACK}-web`]).not.toBe(before[`${STACK}-web`]);
    expect(await (await fetch('http://127.0.0.1:18181/')).text()).toContain('changed');
  });

  it('removes the containers of a service taken out of the file', async () => {
    const yaml = readFileSync(stack.path('pctl.yaml'), 'utf8');
    writeFileSync(stack.path('pctl.yaml'), yaml.replace(/  web:\n(    .*\n|      .*\n)+/, ''));
    const r = await run(['deploy', '--json']);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)[`${STACK}-web`]).toBe('removed');
    expect(await labelled('container', STACK)).toEqual([`${STACK}-api`]);
    expect(state()[`${STACK}-web`]).toBeUndefined();
    writeFileSync(stack.path('pctl.yaml'), yaml);
  });

  it('destroys everything, keeping the state file with destroyed: true, and comes back after', async () => {
    const d = await run(['destroy']);
    expect(d.exitCode).toBe(0);
    expect(await labelled('container', STACK)).toEqual([]);
    expect(await labelled('network', STACK)).toEqual([]);
    expect(await labelled('volume', STACK)).toEqual([]);
    expect(await labelled('image', STACK)).toEqual([]);
    const s = state();
    expect(s[`${STACK}-api`].destroyed).toBe(true);
    const again = await run(['deploy', '--json']);
    expect(again.exitCode).toBe(0);
    expect(results(again.stdout)).toEqual({ [`${STACK}-api`]: 'deployed', [`${STACK}-web`]: 'deployed' });
    expect(await labelled('container', STACK)).toEqual([`${STACK}-api`, `${STACK}-web`]);
    const final = await run(['destroy']);
    expect(final.exitCode).toBe(0);
    expect(await labelled('container', STACK)).toEqual([]);
  });
});
