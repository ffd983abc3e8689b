// removeNetwork against a scripted engine: the answers Docker 20.10 gives when its count of a
// network's endpoints lags behind, is lost, or when a container is really attached.
import { PctlError } from '@pctl/core';
import { describe, expect, it } from 'vitest';
import type { Api } from './api.js';
import { removeNetwork } from './networks.js';

const LABELS = { 'managed-by': 'pctl', 'pctl-stack': 's' };
const activeEndpoints = () =>
  Object.assign(new Error('(HTTP code 403) unexpected - error while removing network: has active endpoints'), {
    statusCode: 403,
    json: { message: 'error while removing network: network pctl-s id 1 has active endpoints' },
  });

// An engine whose network answers inspect with `network()` and remove with `removals` in turn.
function engine(network: () => object | undefined, removals: (() => void)[]) {
  const calls: string[] = [];
  const api = {
    log: (route: string) => calls.push(route),
    fail: (e: unknown, what: string) => new PctlError({ code: 'EngineError', message: `${what}: ${String(e)}` }),
    docker: {
      getNetwork: (id: string) => ({
        inspect: async () => {
          const n = network();
          if (!n) throw Object.assign(new Error('no such network'), { statusCode: 404 });
          return n;
        },
        remove: async () => {
          calls.push(`removed ${id}`);
          (removals.shift() ?? (() => undefined))();
        },
      }),
    },
  } as unknown as Api;
  return { api, calls };
}

describe('removeNetwork', () => {
  it('waits out a count that lags behind the removed containers, then removes the network', async () => {
    const { api, calls } = engine(
      () => ({ Id: 'n1', Labels: LABELS, Containers: {} }),
      [
        () => {
          throw activeEndpoints();
        },
        () => {
          throw activeEndpoints();
        },
      ],
    );
    await removeNetwork(api, 'pctl-s', 's', 10_000);
    expect(calls.filter((c) => c.startsWith('removed'))).toEqual(['removed n1', 'removed n1', 'removed n1']);
  });

  it('leaves a network a container is attached to, without trying to remove it', async () => {
    const { api, calls } = engine(() => ({ Id: 'n1', Labels: LABELS, Containers: { abc: { Name: 'users-own' } } }), []);
    await removeNetwork(api, 'pctl-s', 's', 10_000);
    expect(calls.some((c) => c.startsWith('removed'))).toBe(false);
  });

  it('leaves a network without the stack labels (the user’s, of the same name)', async () => {
    const { api, calls } = engine(() => ({ Id: 'n1', Labels: {}, Containers: {} }), []);
    await removeNetwork(api, 'pctl-s', 's', 10_000);
    expect(calls.some((c) => c.startsWith('removed'))).toBe(false);
  });

  it('says so, naming the network and the fix, when the engine never lets go of a lost count', async () => {
    const { api } = engine(
      () => ({ Id: 'n1', Labels: LABELS, Containers: {} }),
      Array.from({ length: 1000 }, () => () => {
        throw activeEndpoints();
      }),
    );
    const err = await removeNetwork(api, 'pctl-s', 's', 300).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PctlError);
    expect((err as PctlError).code).toBe('DestroyIncomplete');
    expect((err as PctlError).message).toMatch(/^network pctl-s is left: the engine still counts an endpoint/);
    expect((err as PctlError).hint).toMatch(/restart the Docker engine/);
  });

  it('treats a network that went away meanwhile as removed', async () => {
    let present = true;
    const { api } = engine(
      () => (present ? { Id: 'n1', Labels: LABELS, Containers: {} } : undefined),
      [
        () => {
          present = false;
          throw Object.assign(new Error('network n1 not found'), { statusCode: 404 });
        },
      ],
    );
    await expect(removeNetwork(api, 'pctl-s', 's', 10_000)).resolves.toBeUndefined();
  });
});
