// Hostile state files, lock files and flags: each fails with its exit code and one line
// naming the file or flag and the fix, or (for a stale lock) is taken over; none hangs.
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { HostileCase, HostileFile } from '../case.js';

// A provider that writes one JSON file per service: deploys need no platform.
const FILE_PROVIDER = `import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
export default {
  apiVersion: 1,
  name: 'file',
  async deploy({ ctx, target }) {
    const file = path.join(ctx.configDir, 'out', target.key + '.json');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, JSON.stringify({ image: target.image.ref }));
    return { provider: 'file', image: target.image.ref, fingerprint: target.fingerprint, file };
  },
  async destroy({ entry }) { await fs.rm(entry.file, { force: true }); },
  async status({ entry }) { return { state: entry?.file ? 'running' : 'missing' }; },
};
`;
const STACK =
  'name: hs\nproviders:\n  file: ./file.mjs\nservices:\n  web:\n    image: busybox:latest\n    provider: { name: file }\n  worker:\n    image: busybox:latest\n    provider: { name: file }\n';
const STATE = 'pctl.hs.json';
const LOCK = `${STATE}.lock`;
const GOOD_STATE = JSON.stringify({
  'hs-web': { provider: 'file', image: 'busybox:latest', fingerprint: 'old', file: 'out/hs-web.json' },
});

const stack = (extra: Record<string, HostileFile> = {}): Record<string, HostileFile> => ({
  'pctl.yaml': STACK,
  'file.mjs': FILE_PROVIDER,
  ...extra,
});
// A lock of this host (where pctl can see whether its pid lives).
const lock = (o: Record<string, unknown>) =>
  JSON.stringify({ host: os.hostname(), command: 'deploy', startedAt: 'then', ...o });
const deployed = (dir: string) =>
  expect(JSON.parse(readFileSync(path.join(dir, STATE), 'utf8'))['hs-web'].fingerprint).toMatch(/^[0-9a-f]{64}$/);
const unchanged = (name: string, body: string) => (dir: string) =>
  expect(readFileSync(path.join(dir, name), 'utf8')).toBe(body);

const flagCases: HostileCase[] = [
  {
    name: 'an unknown flag',
    files: stack(),
    argv: ['plan', '--frobnicate'],
    exit: 2,
    stderr: /unknown option '--frobnicate'/,
  },
  { name: 'an unknown command', files: stack(), argv: ['deplyo'], exit: 2, stderr: /unknown command 'deplyo'/ },
  {
    name: '--concurrency 0',
    files: stack(),
    argv: ['plan', '--concurrency', '0'],
    exit: 2,
    stderr: /--concurrency must be a positive integer, got "0"/,
  },
  {
    name: '--concurrency -1',
    files: stack(),
    argv: ['deploy', '--concurrency', '-1'],
    exit: 2,
    stderr: /--concurrency must be a positive integer, got "-1"/,
    after: (d) => expect(readdirSync(d)).not.toContain(STATE),
  },
  {
    name: '--concurrency abc',
    files: stack(),
    argv: ['deploy', '--concurrency', 'abc'],
    exit: 2,
    stderr: /--concurrency must be a positive integer, got "abc"/,
  },
  {
    name: '--concurrency 1.5',
    files: stack(),
    argv: ['plan', '--concurrency', '1.5'],
    exit: 2,
    stderr: /--concurrency must be a positive integer, got "1.5"/,
  },
  {
    name: '--concurrency beyond any integer',
    files: stack(),
    argv: ['plan', '--concurrency', '99999999999999999999'],
    exit: 2,
    stderr: /--concurrency must be a positive integer/,
  },
  {
    name: '--concurrency 0x10 (hex is not a count)',
    files: stack(),
    argv: ['plan', '--concurrency', '0x10'],
    exit: 2,
    stderr: /--concurrency must be a positive integer, got "0x10"/,
  },
  {
    name: '--build-concurrency 0',
    files: stack(),
    argv: ['deploy', '--build-concurrency', '0'],
    exit: 2,
    stderr: /--build-concurrency must be a positive integer/,
  },
  {
    name: '--lock-timeout garbage',
    files: stack(),
    argv: ['deploy', '--lock-timeout', 'garbage'],
    exit: 2,
    stderr: /--lock-timeout must be a duration like 0, 30s, 5m or 1h, got "garbage"/,
  },
  {
    name: '--lock-timeout -5s',
    files: stack(),
    argv: ['deploy', '--lock-timeout', '-5s'],
    exit: 2,
    stderr: /--lock-timeout must be a duration/,
  },
  {
    name: '--lock-timeout 5 (no unit)',
    files: stack(),
    argv: ['plan', '--lock-timeout', '5'],
    exit: 2,
    stderr: /--lock-timeout must be a duration.*got "5"/,
  },
  {
    name: '--lock-timeout of 1000 hours',
    files: stack(),
    argv: ['plan', '--lock-timeout', '1000h'],
    exit: 2,
    stderr: /--lock-timeout must be a duration/,
  },
  {
    name: '--lock-timeout without its value',
    files: stack(),
    argv: ['plan', '--lock-timeout'],
    exit: 2,
    stderr: /option '--lock-timeout <duration>' argument missing/,
  },
  {
    name: '--name empty',
    files: stack(),
    argv: ['plan', '--name', ''],
    exit: 2,
    stderr: /--name: stack name may hold letters, digits/,
  },
  {
    name: '--name with a space',
    files: stack(),
    argv: ['deploy', '--name', 'a b'],
    exit: 2,
    stderr: /--name: stack name may hold letters, digits/,
  },
  {
    name: '--name leaving the folder (../x)',
    files: stack(),
    argv: ['deploy', '--name', '../x'],
    exit: 2,
    stderr: /--name: stack name may hold letters, digits/,
    after: (d) => expect(readdirSync(path.dirname(d)).some((f) => f === 'pctl.x.json')).toBe(false),
  },
  {
    name: '--name with a shell substitution',
    files: stack(),
    argv: ['deploy', '--name', '$(id)'],
    exit: 2,
    stderr: /--name: stack name may hold letters, digits/,
    never: ['uid='],
  },
  {
    name: '--name of 200 characters',
    files: stack(),
    argv: ['plan', '--name', 'a'.repeat(200)],
    exit: 2,
    stderr: /--name/,
  },
  {
    name: 'extra arguments to state unlock',
    files: stack(),
    argv: ['state', 'unlock', 'extra'],
    exit: 2,
    stderr: /too many arguments for 'unlock'/,
  },
  {
    name: 'an unknown flag to state unlock',
    files: stack(),
    argv: ['state', 'unlock', '--bogus'],
    exit: 2,
    stderr: /unknown option '--bogus'/,
  },
  {
    name: 'a bad flag under --json: one JSON document with the error',
    files: stack(),
    argv: ['plan', '--json', '--concurrency', '0'],
    exit: 2,
    stderr: /--concurrency/,
    stdout: /^\{"formatVersion":1,.*"code":"BadUsage".*\}$/,
  },
];

const serviceCases: HostileCase[] = [
  {
    name: 'deploy of an unknown service, with the closest name',
    files: stack(),
    argv: ['deploy', 'wbe'],
    exit: 2,
    stderr: /no service "wbe" in pctl\.yaml \(did you mean "web"\?\)/,
    after: (d) => expect(readdirSync(d)).not.toContain(STATE),
  },
  {
    name: 'plan of an unknown service',
    files: stack(),
    argv: ['plan', 'wrker'],
    exit: 2,
    stderr: /no service "wrker" in pctl\.yaml \(did you mean "worker"\?\)/,
  },
  {
    name: 'destroy of an unknown service',
    files: stack({ [STATE]: GOOD_STATE }),
    argv: ['destroy', 'wbe'],
    exit: 2,
    stderr: /no service "wbe".*did you mean "web"/,
    after: unchanged(STATE, GOOD_STATE),
  },
  {
    name: 'build of an unknown service',
    files: stack(),
    argv: ['build', 'nosuch'],
    exit: 2,
    stderr: /no service "nosuch" in pctl\.yaml \(services: web, worker\)/,
  },
  {
    name: 'status of an unknown service',
    files: stack(),
    argv: ['status', 'wbe'],
    exit: 2,
    stderr: /no service "wbe"/,
  },
  {
    name: 'one known and one unknown service: nothing deploys',
    files: stack(),
    argv: ['deploy', 'web', 'nosuch'],
    exit: 2,
    stderr: /no service "nosuch"/,
    after: (d) => expect(readdirSync(d)).not.toContain('out'),
  },
  {
    name: 'a service named __proto__ on the command line',
    files: stack(),
    argv: ['deploy', '__proto__'],
    exit: 2,
    stderr: /no service "__proto__"/,
  },
  {
    name: 'a service named constructor on the command line',
    files: stack(),
    argv: ['plan', 'constructor'],
    exit: 2,
    stderr: /no service "constructor"/,
  },
];

const stateCases: HostileCase[] = [
  {
    name: 'a state file of garbage',
    files: stack({ [STATE]: 'not json at all {' }),
    argv: ['deploy'],
    exit: 1,
    stderr: /state file .*pctl\.hs\.json is not valid JSON.*left as it is.*pctl state recover/,
    after: unchanged(STATE, 'not json at all {'),
  },
  {
    name: 'a state file that is an array',
    files: stack({ [STATE]: '[]' }),
    argv: ['plan'],
    exit: 1,
    stderr: /state file .*pctl\.hs\.json is not a pctl state file/,
  },
  {
    name: 'a state file that is null',
    files: stack({ [STATE]: 'null' }),
    argv: ['plan'],
    exit: 1,
    stderr: /is not a pctl state file/,
  },
  {
    name: 'a state entry with a wrong type',
    files: stack({ [STATE]: '{"hs-web": {"provider": 42}}' }),
    argv: ['deploy'],
    exit: 1,
    stderr: /is not a pctl state file: hs-web\.provider/,
    after: unchanged(STATE, '{"hs-web": {"provider": 42}}'),
  },
  {
    name: 'a state file that is a FIFO',
    files: stack({ [STATE]: { fifo: true } }),
    argv: ['plan'],
    exit: 2,
    stderr: /state file .*pctl\.hs\.json is a FIFO, not a regular file/,
    timeoutMs: 20_000,
  },
  {
    name: 'a state file that is a folder',
    files: stack({ [`${STATE}/x`]: 'x' }),
    argv: ['deploy'],
    exit: 2,
    stderr: /state file .*pctl\.hs\.json is a directory/,
  },
  {
    name: 'a huge state file (65 MiB)',
    files: stack({ [STATE]: ' '.repeat(65 * 1024 * 1024) }),
    argv: ['plan'],
    exit: 2,
    stderr: /state file .*pctl\.hs\.json is \d+ bytes, more than/,
  },
  {
    name: 'a read-only state file is refused, naming it, and left alone',
    files: stack({ [STATE]: { content: GOOD_STATE, mode: 0o444 } }),
    argv: ['deploy'],
    exit: 2,
    stderr: /state file .*pctl\.hs\.json is read-only; pctl does not replace it \(make it writable/,
    after: (d) => (unchanged(STATE, GOOD_STATE)(d), expect(readdirSync(d)).not.toContain('out')),
  },
  {
    name: 'a read-only state file can still be planned',
    files: stack({ [STATE]: { content: GOOD_STATE, mode: 0o444 } }),
    argv: ['plan'],
    exit: 0,
    stdout: /update +hs-web/,
  },
  {
    name: 'a state file that is a symlink is written through, and stays a link',
    files: stack({ 'shared/state.json': GOOD_STATE, [STATE]: { symlink: 'shared/state.json' } }),
    argv: ['deploy'],
    exit: 0,
    after: (d) => {
      expect(lstatSync(path.join(d, STATE)).isSymbolicLink()).toBe(true);
      expect(JSON.parse(readFileSync(path.join(d, 'shared/state.json'), 'utf8'))['hs-web'].fingerprint).toMatch(
        /^[0-9a-f]{64}$/,
      );
    },
  },
  {
    name: 'a dangling state symlink: the state goes to its target',
    files: stack({ [STATE]: { symlink: 'elsewhere.json' } }),
    argv: ['deploy'],
    exit: 0,
    after: (d) => (
      expect(lstatSync(path.join(d, STATE)).isSymbolicLink()).toBe(true),
      expect(JSON.parse(readFileSync(path.join(d, 'elsewhere.json'), 'utf8'))).toHaveProperty('hs-web')
    ),
  },
  {
    name: 'a state symlink loop',
    files: stack({ [STATE]: { symlink: 'loop.json' }, 'loop.json': { symlink: STATE } }),
    argv: ['plan'],
    exit: 1,
    stderr: /cannot read state file .*pctl\.hs\.json: a loop of symbolic links/,
  },
];

const lockCases: HostileCase[] = [
  {
    name: 'a lock left by a dead pid is taken over',
    files: stack({ [LOCK]: lock({ pid: 999_999_999 }) }),
    argv: ['deploy'],
    exit: 0,
    after: deployed,
  },
  {
    name: 'a lock with pid 0 is taken over (no process owns it)',
    files: stack({ [LOCK]: lock({ pid: 0 }) }),
    argv: ['deploy'],
    exit: 0,
    after: deployed,
  },
  {
    name: 'a lock with pid -1 is taken over',
    files: stack({ [LOCK]: lock({ pid: -1 }) }),
    argv: ['deploy'],
    exit: 0,
    after: deployed,
  },
  {
    name: 'a lock with a negative pid is taken over',
    files: stack({ [LOCK]: lock({ pid: -4242 }) }),
    argv: ['deploy'],
    exit: 0,
    after: deployed,
  },
  {
    name: 'a lock with a non-numeric pid is taken over',
    files: stack({ [LOCK]: lock({ pid: 'abc' }) }),
    argv: ['deploy'],
    exit: 0,
    after: deployed,
  },
  {
    name: 'a lock of JSON null is taken over',
    files: stack({ [LOCK]: 'null' }),
    argv: ['deploy'],
    exit: 0,
    after: deployed,
  },
  {
    name: 'state unlock with no lock',
    files: stack(),
    argv: ['state', 'unlock'],
    exit: 1,
    stderr: /the stack is not locked: .*pctl\.hs\.json\.lock does not exist/,
  },
  {
    name: 'state unlock of a dead holder',
    files: stack({ [LOCK]: lock({ pid: 999_999_999 }) }),
    argv: ['state', 'unlock'],
    exit: 0,
    stderr: /removed the lock .*pctl\.hs\.json\.lock \(held by pid 999999999/,
  },
  {
    name: "state unlock --force of another host's lock",
    files: stack({ [LOCK]: JSON.stringify({ pid: 1, host: 'far-away', command: 'deploy', startedAt: 'then' }) }),
    argv: ['state', 'unlock', '--force'],
    exit: 0,
    stderr: /removed the lock .*on far-away/,
  },
  {
    name: 'state unlock --force of a garbage lock',
    files: stack({ [LOCK]: 'garbage garbage' }),
    argv: ['state', 'unlock', '--force'],
    exit: 0,
    stderr: /removed the lock/,
  },
  {
    name: 'state unlock --json',
    files: stack({ [LOCK]: lock({ pid: 0 }) }),
    argv: ['state', 'unlock', '--json'],
    exit: 0,
    stdout: /"command":"state unlock".*"removed":true/,
  },
];

// Where the state lives: a bad --state / PCTL_STATE URL or `state:` block is refused before
// anything runs; a store that does not answer is one line; nothing is written anywhere.
const withState = (block: string) =>
  stack({ 'pctl.yaml': STACK.replace('services:\n', `state:\n${block}services:\n`) });
const noLocalState = (d: string) => expect(readdirSync(d)).not.toContain(STATE);
const backendCases: HostileCase[] = [
  {
    name: '--state with an unknown s3 option',
    files: stack(),
    argv: ['deploy', '--state', 's3://st-hostile/k?regoin=eu-west-1'],
    exit: 2,
    stderr: /^error: --state \/ PCTL_STATE "s3:\/\/st-hostile\/k\?regoin=eu-west-1": unknown option regoin/m,
    after: noLocalState,
  },
  {
    name: 'PCTL_STATE with an unknown scheme',
    files: stack(),
    argv: ['plan'],
    env: { PCTL_STATE: 'ftp://x/y' },
    exit: 2,
    stderr: /unknown scheme ftp:\/\//,
    after: noLocalState,
  },
  {
    name: '--state naming a bucket S3 cannot have',
    files: stack(),
    argv: ['deploy', '--state', 's3://Bad_Bucket/k'],
    exit: 2,
    stderr: /bucket: must be an S3 bucket name/,
    after: noLocalState,
  },
  {
    name: '--state naming a bucket Cloud Storage cannot have',
    files: stack(),
    argv: ['deploy', '--state', 'gs://b/o'],
    exit: 2,
    stderr: /bucket: must be a Cloud Storage bucket name/,
    after: noLocalState,
  },
  {
    name: '--state kubernetes:// naming the Secret (it is always pctl-state-<stack>)',
    files: stack(),
    argv: ['deploy', '--state', 'kubernetes://team/pctl-state-other'],
    exit: 2,
    stderr: /not a kubernetes:\/\/namespace URL/,
    after: noLocalState,
  },
  {
    name: '--state kubernetes:// with an option-like namespace',
    files: stack(),
    argv: ['deploy', '--state', 'kubernetes://--kubeconfig=x?context=-n'],
    exit: 2,
    stderr: /namespace: must be a namespace name/,
    after: noLocalState,
  },
  {
    name: '--state without its value',
    files: stack(),
    argv: ['deploy', '--state'],
    exit: 2,
    stderr: /option '--state <url>' argument missing/,
  },
  {
    name: 'a state: block with an unknown field',
    files: withState('  backend: s3\n  bucket: st-hostile\n  bukket: typo\n'),
    argv: ['deploy'],
    exit: 2,
    stderr: /state\.bukket.*unknown field "bukket"/,
    after: noLocalState,
  },
  {
    name: 'a state: block naming an unknown backend',
    files: withState('  backend: dynamodb\n'),
    argv: ['plan'],
    exit: 2,
    stderr: /state\.backend/,
    after: noLocalState,
  },
  {
    name: 'a state: block whose endpoint does not answer',
    files: withState(
      '  backend: s3\n  bucket: st-hostile\n  region: eu-west-1\n  endpoint: http://127.0.0.1:9\n  usePathStyle: true\n',
    ),
    env: {
      AWS_ACCESS_KEY_ID: 'AKIAHOSTILE00000001',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
    argv: ['deploy'],
    exit: 1,
    stderr: /the S3 endpoint http:\/\/127\.0\.0\.1:9 does not answer/,
    after: (d) => {
      noLocalState(d);
      expect(readdirSync(d)).not.toContain('out');
    },
  },
];

export const cases: HostileCase[] = [...flagCases, ...serviceCases, ...stateCases, ...lockCases, ...backendCases];
