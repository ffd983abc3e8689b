// `pctl state recover` on the real engine: the state file is lost or corrupt, the running
// containers are found by their labels, the user confirms (or passes --yes), and the next
// deploy adopts them and the next destroy removes them: nothing leaks.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateFileSchema } from '@pctl/core';
import { containerIds, labelled, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'recover';
const stack = useStack();
const stateFile = () => stack.path(`pctl.${STACK}.json`);

beforeAll(async () => {
  await requireDocker();
  stack.write({
    'pctl.yaml': `name: ${STACK}\nservices:\n  db:\n    image: busybox:latest\n    command: sleep 3600\n    volumes: [{ path: /data }]\n    provider: { name: docker }\n  app:\n    image: ./app\n    command: sleep 3600\n    scale: { replica: 2 }\n    provider: { name: docker }\n`,
    'app/Dockerfile': 'FROM busybox\nCOPY hello.txt /hello.txt\n',
    'app/hello.txt': 'hi\n',
  });
});
afterAll(async () => {
  await removeStack(STACK);
});

describe('state recover', () => {
  it('rebuilds a lost state file from labels; deploy adopts, destroy removes everything', async () => {
    expect((await stack.pctl(['deploy'])).exitCode).toBe(0);
    const before = await containerIds(STACK);
    expect(Object.keys(before).sort()).toEqual([`${STACK}-app-1`, `${STACK}-app-2`, `${STACK}-db`]);
    rmSync(stateFile());
    rmSync(`${stateFile()}.bak`, { force: true });

    // Without a terminal and without --yes it asks for nothing and writes nothing.
    const noTty = await stack.pctl(['state', 'recover']);
    expect(noTty.exitCode).toBe(2);
    expect(noTty.stderr).toMatch(/found \d+ labelled resource/);
    expect(noTty.stderr).toMatch(/error: state recover needs confirmation.*--yes/);
    expect(existsSync(stateFile())).toBe(false);

    const r = await stack.pctl(['state', 'recover', '--yes']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(`${STACK}-db`);
    expect(r.stderr).toContain(`${STACK}-app`);
    const recovered = StateFileSchema.parse(JSON.parse(readFileSync(stateFile(), 'utf8')));
    expect(Object.keys(recovered).sort()).toEqual([`${STACK}-app`, `${STACK}-db`]);
    expect(Object.values(recovered).every((e) => e.recovered && e.pending)).toBe(true);

    // The next deploy redeploys (adopts) both, leaving no duplicate behind.
    const d = await stack.pctl(['deploy', '--json']);
    expect(d.exitCode).toBe(0);
    expect(JSON.parse(d.stdout).services.map((s: { result: string }) => s.result)).toEqual(['deployed', 'deployed']);
    expect(await labelled('container', STACK)).toEqual([`${STACK}-app-1`, `${STACK}-app-2`, `${STACK}-db`]);
    expect((await stack.pctl(['deploy', '--json'])).stdout).not.toContain('"deployed"');

    const destroy = await stack.pctl(['destroy']);
    expect(destroy.exitCode).toBe(0);
    for (const kind of ['container', 'volume', 'network', 'image'] as const)
      expect(await labelled(kind, STACK), kind).toEqual([]);
  }, 300_000);

  it('keeps a corrupt state file aside and shows the recovered one', async () => {
    expect((await stack.pctl(['deploy'])).exitCode).toBe(0);
    writeFileSync(stateFile(), '{"recover-db": {"provider": "doc');
    const blocked = await stack.pctl(['deploy']);
    expect(blocked.exitCode).not.toBe(0);
    expect(blocked.stderr).toContain(stateFile());
    const r = await stack.pctl(['state', 'recover', '--yes']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/is corrupt/);
    const aside = readdirSync(stack.dir).filter((f) => f.startsWith(`pctl.${STACK}.json.corrupt-`));
    expect(aside).toHaveLength(1);
    expect(readFileSync(stack.path(aside[0]!), 'utf8')).toBe('{"recover-db": {"provider": "doc');
    const show = await stack.pctl(['state', 'show']);
    expect(show.exitCode).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`${STACK}-db\\s+docker`));
    expect(show.stdout).toMatch(/pending/);
    expect((await stack.pctl(['deploy'])).exitCode).toBe(0);
    expect((await stack.pctl(['destroy'])).exitCode).toBe(0);
    for (const kind of ['container', 'volume', 'network', 'image'] as const)
      expect(await labelled(kind, STACK), kind).toEqual([]);
  }, 300_000);
});
