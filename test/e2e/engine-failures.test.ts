// Failures on the real engine: a build that fails, a port already taken, a container
// that exits at once. Each is one
// clear error naming the service; the state stays consistent; the next deploy resumes.
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateFileSchema } from '@pctl/core';
import { labelled, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'failures';
const stack = useStack();
const state = () => StateFileSchema.parse(JSON.parse(readFileSync(stack.path(`pctl.${STACK}.json`), 'utf8')));

beforeAll(async () => {
  await requireDocker();
  stack.write({
    'pctl.yaml': `name: ${STACK}\nservices:\n  ok:\n    image: busybox:latest\n    command: sleep 3600\n    provider: { name: docker }\n  app:\n    image: ./app\n    dependsOn: [ok]\n    command: sleep 3600\n    provider: { name: docker }\n`,
    'app/Dockerfile': 'FROM busybox\nCOPY run.sh /run.sh\nRUN echo "compiling..." && sh /run.sh\n',
    'app/run.sh': 'echo "syntax error in main.c line 42" >&2\nexit 7\n',
  });
});
afterAll(async () => {
  await removeStack(STACK);
});

describe('engine failures', () => {
  it('a failing build stops the deploy before anything is replaced, naming the image and its output', async () => {
    const r = await stack.pctl(['deploy']);
    expect(r.exitCode).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/building pctl-failures-app:[0-9a-f]{12} failed/);
    expect(await labelled('container', STACK)).toEqual([]);
    const verbose = await stack.pctl(['deploy', '--verbose']);
    expect(verbose.stderr).toContain('syntax error in main.c line 42');
    // Fixed: the next deploy builds and deploys everything.
    writeFileSync(stack.path('app/run.sh'), 'echo fixed\n');
    const again = await stack.pctl(['deploy']);
    expect(again.exitCode).toBe(0);
    expect(await labelled('container', STACK)).toEqual([`${STACK}-app`, `${STACK}-ok`]);
  });

  it('a port already taken fails that service only, and the next deploy resumes', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(18383, '0.0.0.0', () => r()));
    try {
      const yaml = readFileSync(stack.path('pctl.yaml'), 'utf8');
      writeFileSync(
        stack.path('pctl.yaml'),
        yaml.replace('  app:\n    image: ./app\n', '  app:\n    image: ./app\n    ports: ["18383:8080"]\n'),
      );
      const r = await stack.pctl(['deploy']);
      expect(r.exitCode).toBe(1);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/failures-app: a published port is already in use \(18383:8080\)/);
      const s = state();
      expect(s[`${STACK}-app`]!.pending).toBe(true);
      expect(s[`${STACK}-ok`]!.pending).toBeUndefined();
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    const resumed = await stack.pctl(['deploy', '--json']);
    expect(resumed.exitCode).toBe(0);
    const results = Object.fromEntries(
      JSON.parse(resumed.stdout).services.map((x: { key: string; result: string; reason: string }) => [
        x.key,
        [x.result, x.reason],
      ]),
    );
    expect(results).toEqual({
      [`${STACK}-ok`]: ['skipped', 'unchanged'],
      [`${STACK}-app`]: ['deployed', 'the last deploy of it did not finish'],
    });
    expect(state()[`${STACK}-app`]!.pending).toBeUndefined();
    const d = await stack.pctl(['destroy']);
    expect(d.exitCode).toBe(0);
    expect(await labelled('container', STACK)).toEqual([]);
  });

  it('a container that exits at once fails that service with its last log line, and a fix resumes', async () => {
    writeFileSync(
      stack.path('pctl.yaml'),
      `name: ${STACK}\nservices:\n  crashy:\n    image: busybox:latest\n    command: echo "config file /etc/app.conf missing" >&2; exit 3\n    provider: { name: docker }\n`,
    );
    const r = await stack.pctl(['deploy']);
    expect(r.exitCode).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(`${STACK}-crashy: container ${STACK}-crashy exited with code 3.*config file /etc/app.conf missing`),
    );
    expect(state()[`${STACK}-crashy`]!.pending).toBe(true);
    writeFileSync(
      stack.path('pctl.yaml'),
      `name: ${STACK}\nservices:\n  crashy:\n    image: busybox:latest\n    command: sleep 3600\n    provider: { name: docker }\n`,
    );
    const fixed = await stack.pctl(['deploy']);
    expect(fixed.exitCode).toBe(0);
    expect(await labelled('container', STACK)).toEqual([`${STACK}-crashy`]);
    expect(state()[`${STACK}-crashy`]!.pending).toBeUndefined();
    expect((await stack.pctl(['destroy'])).exitCode).toBe(0);
    expect(await labelled('container', STACK)).toEqual([]);
  });

  it("a container that crashed and was restarted is reported with the failed run's exit code and log line", async () => {
    // The first run fails with code 5; the restart policy starts a second one that keeps
    // running (its file system survives the restart), so inspect shows exit code 0.
    const cmd = 'test -f /ran && exec sleep 3600; touch /ran; echo \\"first run: bad secret file\\" >&2; exit 5';
    writeFileSync(
      stack.path('pctl.yaml'),
      `name: ${STACK}\nservices:\n  flappy:\n    image: busybox:latest\n    command: "${cmd}"\n    provider: { name: docker }\n`,
    );
    const r = await stack.pctl(['deploy']);
    expect(r.exitCode).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(
        `${STACK}-flappy: container ${STACK}-flappy exited with code 5( \\(restarted \\d+×\\))?: first run: bad secret file`,
      ),
    );
    expect((await stack.pctl(['destroy'])).exitCode).toBe(0);
    expect(await labelled('container', STACK)).toEqual([]);
  });
});
