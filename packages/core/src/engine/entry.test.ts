// Core alone assembles the state entry: the provider's own fields stay, core's fields win.
import { describe, expect, it } from 'vitest';
import { intentEntry, recordedEntry } from './entry.js';
import type { PlannedTarget } from './targets.js';

const target = {
  key: 's-api',
  labels: { 'managed-by': 'pctl', 'pctl-service': 'api' },
  fingerprint: 'f'.repeat(64),
  image: { ref: 'pctl-s-api:abc', builtByPctl: true, buildHash: 'b1' },
  configHash: 'c1',
  optionsHash: 'o1',
} as unknown as PlannedTarget;

describe('recordedEntry', () => {
  it("keeps the provider's fields and labels, and records core's over what it returned", () => {
    const own = {
      provider: 'other',
      host: 'local',
      containers: ['x'],
      image: 'stale',
      fingerprint: 'stale',
      labels: { extra: 'yes', 'pctl-service': 'other' },
      pending: true,
      destroyed: true,
    };
    expect(recordedEntry({ own, target, provider: 'docker', pushedByPctl: true, secrets: [] })).toEqual({
      provider: 'docker',
      host: 'local',
      containers: ['x'],
      image: 'pctl-s-api:abc',
      labels: { extra: 'yes', 'managed-by': 'pctl', 'pctl-service': 'api' },
      fingerprint: 'f'.repeat(64),
      buildHash: 'b1',
      configHash: 'c1',
      optionsHash: 'o1',
      builtByPctl: true,
      pushedByPctl: true,
    });
  });

  it("masks a secret in any field, the provider's or core's", () => {
    const own = { provider: 'docker', note: 'token hunter2-secret inside' };
    const entry = recordedEntry({
      own,
      target: { ...target, image: { ...target.image, ref: 'reg/hunter2-secret:1' } } as PlannedTarget,
      provider: 'docker',
      pushedByPctl: false,
      secrets: ['hunter2-secret'],
    });
    expect(JSON.stringify(entry)).not.toContain('hunter2-secret');
  });
});

describe('intentEntry', () => {
  it('keeps a live previous entry and its image, marked pending', () => {
    const previous = { provider: 'docker', image: 'old:1', containers: ['a'] };
    expect(intentEntry({ previous, target, provider: 'docker', secrets: [] })).toEqual({
      provider: 'docker',
      image: 'old:1',
      containers: ['a'],
      labels: target.labels,
      pending: true,
      destroyed: false,
    });
  });

  it('starts afresh from a destroyed one, with the new image', () => {
    const previous = { provider: 'kind', image: 'old:1', destroyed: true, cluster: 'k' };
    expect(intentEntry({ previous, target, provider: 'docker', secrets: [] })).toEqual({
      provider: 'docker',
      image: 'pctl-s-api:abc',
      labels: target.labels,
      pending: true,
      destroyed: false,
    });
  });
});
