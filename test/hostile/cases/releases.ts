// Hostile history and rollback input: bad --to values, releases that do not exist, a state
// file whose releases are junk, a release image that is an option-like string, a release
// whose secret no longer resolves, bad `history:` values. Each exits with its code and one
// line naming the fix; a refused rollback leaves the state file byte for byte as it was.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { HostileCase, HostileFile } from '../case.js';

// A provider that writes one JSON file per service: rollbacks need no platform.
const FILE_PROVIDER = `import { promises as fs } from 'node:fs';
import path from 'node:path';
export default {
  apiVersion: 1,
  name: 'file',
  async deploy({ ctx, target }) {
    const file = path.join(ctx.configDir, 'out', target.key + '.json');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, JSON.stringify({ image: target.image.ref, env: target.service.env ?? {} }));
    return { provider: 'file', file };
  },
  async destroy({ entry }) { await fs.rm(entry.file, { force: true }); },
};
`;
const STACK =
  'name: hr\nproviders:\n  file: ./file.mjs\nservices:\n  web:\n    image: busybox:latest\n    provider: { name: file }\n  worker:\n    image: busybox:latest\n    provider: { name: file }\n';
const STATE = 'pctl.hr.json';
const release = (number: number, o: Record<string, unknown> = {}) => ({
  number,
  at: '2026-01-01T00:00:00.000Z',
  provider: 'file',
  image: 'busybox:latest',
  fingerprint: String(number).repeat(64),
  builtByPctl: false,
  service: { image: 'busybox:latest', provider: { name: 'file', options: {} } },
  ...o,
});
const state = (releases: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    'hr-web': {
      provider: 'file',
      image: 'busybox:latest',
      fingerprint: '2'.repeat(64),
      file: 'out/hr-web.json',
      releases,
      ...extra,
    },
  });
const TWO = state([release(1), release(2)]);
const files = (stateText: string, stack = STACK): Record<string, HostileFile> => ({
  'pctl.yaml': stack,
  'file.mjs': FILE_PROVIDER,
  [STATE]: stateText,
});
const unchanged = (body: string) => (dir: string) => expect(readFileSync(path.join(dir, STATE), 'utf8')).toBe(body);

export const cases: HostileCase[] = [
  {
    name: 'rollback --to 0 is a bad flag',
    files: files(TWO),
    argv: ['rollback', 'web', '--to', '0'],
    exit: 2,
    stderr: /--to must be a positive integer, got "0"/,
    after: unchanged(TWO),
  },
  {
    name: 'rollback --to with a non-number',
    files: files(TWO),
    argv: ['rollback', 'web', '--to', '1;rm -rf /'],
    exit: 2,
    stderr: /--to must be a positive integer/,
    after: unchanged(TWO),
  },
  {
    name: 'rollback --to a release that was never made',
    files: files(TWO),
    argv: ['rollback', 'web', '--to', '7'],
    exit: 1,
    stderr: /hr-web: no release 7; nothing was changed.*kept releases: 1, 2/,
    after: unchanged(TWO),
  },
  {
    name: 'rollback --to for two services (numbers are per service)',
    files: files(TWO),
    argv: ['rollback', 'web', 'worker', '--to', '1'],
    exit: 2,
    stderr: /--to 1: release numbers are per service; name one service/,
    after: unchanged(TWO),
  },
  {
    name: 'rollback of a service not in the stack file',
    files: files(TWO),
    argv: ['rollback', 'nope'],
    exit: 2,
    stderr: /no service "nope"/,
    after: unchanged(TWO),
  },
  {
    name: 'rollback of a service never deployed',
    files: files(TWO),
    argv: ['rollback', 'worker'],
    exit: 1,
    stderr: /hr-worker: the service is not deployed; nothing was changed/,
    after: unchanged(TWO),
  },
  {
    name: 'a state whose releases are junk: history lists none, rollback finds none',
    files: files(state('not a list')),
    argv: ['rollback', 'web'],
    exit: 1,
    stderr: /hr-web: no earlier release that differs from what runs/,
    after: unchanged(state('not a list')),
  },
  {
    name: 'junk entries among releases are left out, not run',
    files: files(state([{ number: 'x', image: '--privileged' }, null, 5, release(1)])),
    argv: ['history', '--json'],
    exit: 0,
    stdout: /"releases":\[\{"number":1,/,
  },
  {
    name: 'a release image that is an option-like string is refused as gone, never passed on',
    files: files(state([release(1, { image: '--privileged', builtByPctl: true }), release(2)])),
    argv: ['rollback', 'web'],
    exit: 1,
    stderr: /hr-web: the image --privileged of release 1 is gone from the Docker engine; nothing was changed/,
    after: unchanged(state([release(1, { image: '--privileged', builtByPctl: true }), release(2)])),
  },
  {
    name: 'a release whose secret the stack file no longer resolves to is refused, naming where',
    files: files(
      state([
        release(1, {
          service: {
            image: 'busybox:latest',
            env: { TOKEN: `sealed:${'ab'.repeat(16)}` },
            provider: { name: 'file', options: {} },
          },
        }),
        release(2),
      ]),
    ),
    argv: ['rollback', 'web'],
    exit: 1,
    stderr: /release 1 used a secret at env\.TOKEN that the stack file no longer resolves to; nothing was changed/,
  },
  {
    name: 'a release on another provider than the service now runs on is refused',
    files: files(state([release(1, { provider: 'docker' }), release(2)])),
    argv: ['rollback', 'web', '--to', '1'],
    exit: 1,
    stderr: /release 1 ran on provider docker, the service now runs on file/,
  },
  {
    name: 'a hand-written release restores through the provider and is recorded as a new release',
    files: files(TWO),
    argv: ['rollback', 'web', '--to', '1'],
    exit: 0,
    after: (dir) => {
      const entry = JSON.parse(readFileSync(path.join(dir, STATE), 'utf8'))['hr-web'];
      expect(entry.releases.map((r: { number: number; rollbackOf?: number }) => [r.number, r.rollbackOf])).toEqual([
        [1, undefined],
        [2, undefined],
        [3, 1],
      ]);
      expect(entry.fingerprint).toBe('1'.repeat(64));
    },
  },
  {
    name: 'history: 0 in the stack file',
    files: files(TWO, `history: 0\n${STACK}`),
    argv: ['plan'],
    exit: 2,
    stderr: /pctl\.yaml:1.*history.*(>=1|at least 1|too small)/i,
  },
  {
    name: 'history: a string in a service',
    files: files(TWO, STACK.replace('  worker:\n', '  worker:\n    history: ten\n')),
    argv: ['plan'],
    exit: 2,
    stderr: /services\.worker\.history/,
  },
  {
    name: 'history: past the limit',
    files: files(TWO, `history: 100000\n${STACK}`),
    argv: ['validate'],
    exit: 2,
    stderr: /history.*(<=100|at most 100|too big)/i,
  },
];
