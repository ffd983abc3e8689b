// Provider hosting and the state entry: names that are no built-in although the table object
// has them, a bare function asked to act per service, and a provider returning fields core owns.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { HostileCase } from '../case.js';

const state = (dir: string) =>
  JSON.parse(readFileSync(path.join(dir, 'pctl.hh.json'), 'utf8')) as Record<string, Record<string, unknown>>;
const oldEntry = {
  provider: 'old',
  labels: { 'managed-by': 'pctl', 'pctl-stack': 'hh', 'pctl-service': 'hh-a' },
  image: 'busybox:latest',
  fingerprint: 'f',
};

export const cases: HostileCase[] = [
  ...['constructor', 'toString', 'hasOwnProperty'].map(
    (name): HostileCase => ({
      name: `a provider named ${name} (a property of every object) is unknown, not a built-in`,
      files: { 'pctl.yaml': `name: hh\nservices:\n  a:\n    image: busybox:latest\n    provider: { name: ${name} }\n` },
      argv: ['validate'],
      exit: 2,
      stderr: new RegExp(
        `pctl\\.yaml:5 services\\.a\\.provider\\.name: unknown provider "${name}" \\(built-in providers: docker, kind, gcp, aws;`,
      ),
    }),
  ),
  {
    name: 'a provider named constructor is no module registered under providers: either',
    files: {
      'pctl.yaml':
        'name: hh\nproviders: { custom: ./p.mjs }\nservices:\n  a:\n    image: busybox:latest\n    provider: { name: constructor }\n',
      'p.mjs': "export default { apiVersion: 1, name: 'custom', async deploy() { return {}; }, async destroy() {} };\n",
    },
    argv: ['deploy'],
    exit: 2,
    stderr: /pctl\.yaml:6 services\.a\.provider\.name: unknown provider "constructor"/,
    after: (dir) => expect(existsSync(path.join(dir, 'pctl.hh.json'))).toBe(false),
  },
  {
    name: 'a service moving off a bare-function provider fails naming it, and its entry stays as it was',
    files: {
      'pctl.yaml':
        'name: hh\nproviders: { old: ./old.mjs, custom: ./p.mjs }\nservices:\n  a:\n    image: busybox:latest\n    provider: { name: custom }\n',
      'old.mjs': 'export default async function old() {}\n',
      'p.mjs': "export default { apiVersion: 1, name: 'custom', async deploy() { return {}; }, async destroy() {} };\n",
      'pctl.hh.json': JSON.stringify({ 'hh-a': oldEntry }),
    },
    argv: ['deploy'],
    exit: 2,
    stderr: /error: hh-a: provider old is a bare function: it manages its own services and state/,
    after: (dir) => expect(state(dir)['hh-a']).toEqual(oldEntry),
  },
  {
    name: "a provider returning pctl's fields (provider, image, fingerprint, its labels, pending) cannot change them in the entry",
    files: {
      'pctl.yaml':
        'name: hh\nproviders: { custom: ./p.mjs }\nservices:\n  a:\n    image: busybox:latest\n    provider: { name: custom }\n',
      'p.mjs':
        "export default { apiVersion: 1, name: 'custom', async deploy() { return { provider: 'other', image: 'evil:1', fingerprint: 'x', pending: true, destroyed: true, labels: { 'pctl-stack': 'other', 'pctl-service': 'other-a', extra: 'kept' }, mine: 1 }; }, async destroy() {} };\n",
    },
    argv: ['deploy'],
    exit: 0,
    after: (dir) => {
      const e = state(dir)['hh-a']!;
      expect(e).toMatchObject({
        provider: 'custom',
        image: 'busybox:latest',
        mine: 1,
        labels: { 'managed-by': 'pctl', 'pctl-stack': 'hh', 'pctl-service': 'hh-a', extra: 'kept' },
      });
      expect(e.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(e.pending).toBeUndefined();
      expect(e.destroyed).toBeUndefined();
    },
  },
];
