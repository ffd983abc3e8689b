// The built-in docker provider and the example file provider pass the conformance kit of
// @pctl/provider-kit, the docker one on the real engine.
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
    });
    expect(r.ok, r.summary()).toBe(true);
    expect(r.results.filter((x) => x.skipped), r.summary()).toEqual([]);
  });
});
