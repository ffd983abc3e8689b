// The built-in docker provider and the example file provider pass the conformance kit of
// @pctl/provider-kit, the docker one on the real engine.
import { Transform } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import dockerProvider from '@pctl/provider-docker';
import { runConformance } from '@pctl/provider-kit/conformance';
import type { ProviderV1 } from '@pctl/provider-kit';
import { labelled, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const work = useStack({ prefix: 'pctl-kit-docker-' });
beforeAll(async () => {
  await requireDocker();
});

// What exists of a stack on the engine, found by its labels without the provider.
const observe = async (stack: string) => [
  ...(await labelled('container', stack)).map((n) => `container/${n}`),
  ...(await labelled('volume', stack)).map((n) => `volume/${n}`),
  ...(await labelled('network', stack)).map((n) => `network/${n}`),
];

describe('conformance kit on built-in providers', () => {
  it('docker keeps every promise of the contract on the real engine', async () => {
    const r = await runConformance({
      provider: dockerProvider as unknown as ProviderV1,
      service: { image: 'busybox:latest', command: 'sleep 3600', provider: { name: 'docker', options: {} } },
      failingService: { image: '127.0.0.1:9/pctl-kit-no-such-image:404', provider: { name: 'docker', options: {} } },
      observe,
      cwd: work.dir,
      // logs, exec and port-forward: a service that prints its mark on both streams and echoes port 7000.
      innerLoop: {
        service: {
          image: 'busybox:latest',
          command: 'echo "$PCTL_KIT_MARK"; echo "$PCTL_KIT_MARK-err" >&2; exec nc -ll -p 7000 -e cat',
          provider: { name: 'docker', options: {} },
        },
        port: 7000,
      },
    });
    expect(r.ok, r.summary()).toBe(true);
    expect(
      r.results.filter((x) => x.skipped),
      r.summary(),
    ).toEqual([]);
  });
});

// The inner-loop checks fail a docker provider that breaks their promise, naming it.
describe('inner-loop checks on broken copies of the docker provider', () => {
  const innerLoop = {
    service: {
      image: 'busybox:latest',
      command: 'echo "$PCTL_KIT_MARK"; echo "$PCTL_KIT_MARK-err" >&2; exec nc -ll -p 7000 -e cat',
      provider: { name: 'docker', options: {} },
    },
    port: 7000,
  };
  const docker = dockerProvider as unknown as ProviderV1;
  const broken: [string, string, RegExp, ProviderV1][] = [
    [
      'an exec that always says 0',
      'exec-exit-code',
      /exits 7 came back with 0/,
      { ...docker, exec: async (p) => ({ ...(await docker.exec!(p)), exitCode: 0 }) },
    ],
    [
      'logs that put stderr on stdout',
      'logs',
      /stderr line came on stdout/,
      { ...docker, logs: (p) => docker.logs!({ ...p, onLine: (l) => p.onLine({ ...l, stream: 'stdout' }) }) },
    ],
    [
      'an exec that drops carriage returns',
      'exec-bytes',
      /stdout is not the bytes sent/,
      {
        ...docker,
        exec: (p) =>
          docker.exec!({
            ...p,
            stdout: new Transform({
              transform: (c: Buffer, _e, done) =>
                done(null, Buffer.from(c.toString('latin1').replace(/\r/g, ''), 'latin1')),
            }).on('data', (d: Buffer) => p.stdout.write(d)),
          }),
      },
    ],
    [
      'a sync that leaves deleted files',
      'sync',
      /still in the container after sync/,
      { ...docker, sync: (p) => docker.sync!({ ...p, batches: p.batches.map((b) => ({ ...b, deleted: [] })) }) },
    ],
  ];
  for (const [what, id, message, provider] of broken) {
    it(`fails ${what}`, async () => {
      const r = await runConformance({
        provider,
        service: innerLoop.service,
        innerLoop,
        only: [id, 'inner-loop-cleanup'],
        cwd: work.dir,
        stack: `lg-kit-${id}`,
        stepTimeoutMs: 60_000,
      });
      const failed = r.results.find((x) => x.id === id)!;
      expect(failed.ok, r.summary()).toBe(false);
      expect(failed.message).toMatch(message);
      expect(await observe(`lg-kit-${id}`)).toEqual([]);
    }, 120_000);
  }
});
