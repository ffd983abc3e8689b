// Releases in the state entry: numbered on, the last `keep` kept, secrets only as seals, and
// a rollback's settings unsealed with the secrets the stack file resolves to now.
import { describe, expect, it } from 'vitest';
import { recordedEntry } from './entry.js';
import { historyLimit, releaseImages, releasesOf, unsealService } from './releases.js';
import type { PlannedTarget } from './targets.js';

const SECRET = 'pw-9f8e7d6c5b4a';
const target = (n: number, env: Record<string, string> = {}) =>
  ({
    name: 'api',
    key: 's-api',
    service: { image: './api', env, provider: { name: 'docker', options: {} } },
    labels: { 'managed-by': 'pctl', 'pctl-stack': 's', 'pctl-service': 's-api' },
    fingerprint: String(n).repeat(64).slice(0, 64),
    image: { ref: `pctl-s-api:${n}`, builtByPctl: true, buildHash: `b${n}` },
    configHash: `c${n}`,
    optionsHash: 'o',
  }) as unknown as PlannedTarget;

const deploy = (
  previous: ReturnType<typeof recordedEntry> | undefined,
  n: number,
  keep = 10,
  secrets: string[] = [],
  env: Record<string, string> = {},
) =>
  recordedEntry({
    own: { provider: 'docker', containers: ['x'] },
    target: target(n, env),
    provider: 'docker',
    pushedByPctl: false,
    secrets,
    previous,
    release: { stack: 's', keep, digest: `sha256:${n}`, at: new Date(Date.UTC(2026, 0, n)) },
  });

describe('releases', () => {
  it('numbers each deploy on from the previous entry and keeps the last `keep`', () => {
    let e: ReturnType<typeof deploy> | undefined;
    for (let n = 1; n <= 5; n++) e = deploy(e, n, 3);
    const list = releasesOf(e);
    expect(list.map((r) => r.number)).toEqual([3, 4, 5]);
    expect(list[2]).toMatchObject({
      number: 5,
      image: 'pctl-s-api:5',
      digest: 'sha256:5',
      fingerprint: target(5).fingerprint,
      builtByPctl: true,
      buildHash: 'b5',
      configHash: 'c5',
      provider: 'docker',
      at: '2026-01-05T00:00:00.000Z',
    });
    expect(e!.image).toBe('pctl-s-api:5');
    expect(releaseImages([e!])).toEqual(['pctl-s-api:3', 'pctl-s-api:4', 'pctl-s-api:5']);
    expect(releaseImages([{ ...e!, destroyed: true }])).toEqual([]);
  });

  it('stores a secret only as its seal, and unseals it with the secret the stack file resolves to', () => {
    const e = deploy(undefined, 1, 10, [SECRET], { DB_PASSWORD: SECRET, URL: `postgres://u:${SECRET}@db/x` });
    expect(JSON.stringify(e)).not.toContain(SECRET);
    const [release] = releasesOf(e);
    expect(unsealService(release!, [SECRET], 's', 's-api').env).toEqual({
      DB_PASSWORD: SECRET,
      URL: `postgres://u:${SECRET}@db/x`,
    });
    // The secret changed since: the release cannot be restored as it ran.
    expect(() => unsealService(release!, ['another-value-123'], 's', 's-api')).toThrow(
      /release 1 used a secret at env\.DB_PASSWORD, env\.URL/,
    );
  });

  it("moves a provider's `applied` objects into the release, out of the entry", () => {
    const e = recordedEntry({
      own: { provider: 'kind', objects: ['v1/Service/s/s-api'], applied: [{ kind: 'Service' }] },
      target: target(1),
      provider: 'kind',
      pushedByPctl: false,
      secrets: [],
      release: { stack: 's', keep: 10 },
    });
    expect(e.applied).toBeUndefined();
    expect(releasesOf(e)[0]!.restore).toEqual({ applied: [{ kind: 'Service' }] });
  });

  it("keeps 10 by default, the stack's `history`, or the service's", () => {
    expect(historyLimit({}, {})).toBe(10);
    expect(historyLimit({ history: 4 }, {})).toBe(4);
    expect(historyLimit({ history: 4 }, { history: 2 })).toBe(2);
  });

  it('ignores what is not a release in a hand-edited entry', () => {
    expect(releasesOf({ provider: 'docker', releases: [{ number: 'x' }, null, 3] })).toEqual([]);
    expect(releasesOf({ provider: 'docker', releases: 'no' })).toEqual([]);
  });
});
