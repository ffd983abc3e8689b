// Hostile environments, includes and PCTL_* variables: each fails with exit 2 (1 under
// plan --exit-code) and one line naming the file:line, the environment or the variable,
// and the fix; nothing is deployed, no state is written.
import { readdirSync } from 'node:fs';
import { expect } from 'vitest';
import type { HostileCase, HostileFile } from '../case.js';

const FILE_PROVIDER = `import { promises as fs } from 'node:fs';
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
const STACK = `name: ev
providers:
  file: ./file.mjs
services:
  web:
    image: busybox:latest
    provider: { name: file }
environments:
  dev:
    services:
      web:
        env: { MODE: dev }
  production:
    services:
      web:
        scale: { replica: 2 }
`;
const stack = (body = STACK, extra: Record<string, HostileFile> = {}): Record<string, HostileFile> => ({
  'pctl.yaml': body,
  'file.mjs': FILE_PROVIDER,
  ...extra,
});
const nothingWritten = (dir: string) =>
  expect(readdirSync(dir).filter((f) => (f.startsWith('pctl.') && f.endsWith('.json')) || f === 'out')).toEqual([]);
const withEnv = (envBlock: string) => STACK.replace(/environments:[\s\S]*$/, `environments:\n${envBlock}`);

const environmentCases: HostileCase[] = [
  {
    name: 'an environment that does not exist, with the closest name',
    files: stack(),
    argv: ['deploy', '--env', 'prodution'],
    exit: 2,
    stderr: /no environment "prodution" in pctl\.yaml \(did you mean "production"\?\)/,
    after: nothingWritten,
  },
  {
    name: 'an environment that does not exist, from PCTL_ENV',
    files: stack(),
    argv: ['deploy'],
    env: { PCTL_ENV: 'stagign' },
    exit: 2,
    stderr: /no environment "stagign" in pctl\.yaml.*environments: dev, production/s,
    after: nothingWritten,
  },
  {
    name: '--env on a stack file without environments',
    files: stack(
      'name: ev\nproviders: { file: ./file.mjs }\nservices:\n  web: { image: busybox:latest, provider: { name: file } }\n',
    ),
    argv: ['plan', '--env', 'dev'],
    exit: 2,
    stderr: /pctl\.yaml defines no environments, so --env dev names nothing/,
  },
  {
    name: '--env all outside validate',
    files: stack(),
    argv: ['deploy', '--env', 'all'],
    exit: 2,
    stderr: /--env all is for pctl validate/,
    after: nothingWritten,
  },
  {
    name: 'an environment named __proto__',
    files: stack(),
    argv: ['plan', '--env', '__proto__'],
    exit: 2,
    stderr: /no environment "__proto__"/,
  },
  {
    name: 'an environment named constructor',
    files: stack(),
    argv: ['plan', '--env', 'constructor'],
    exit: 2,
    stderr: /no environment "constructor"/,
  },
  {
    name: 'an unknown field in an environment, at its own line',
    files: stack(withEnv('  dev:\n    services:\n      web:\n        replicas: 3\n')),
    argv: ['deploy', '--env', 'dev'],
    exit: 2,
    stderr: /pctl\.yaml:12 \[env dev\] services\.web\.replicas: unknown field "replicas"/,
    after: nothingWritten,
  },
  {
    name: 'an unknown top-level field in an environment',
    files: stack(withEnv('  dev:\n    servicez: {}\n')),
    argv: ['plan', '--env', 'dev'],
    exit: 2,
    stderr: /pctl\.yaml:10 \[env dev\] servicez: unknown field "servicez" \(did you mean "services"\?\)/,
  },
  {
    name: 'an environment that removes the provider a service needs',
    files: stack(withEnv('  dev:\n    services:\n      web:\n        provider: null\n')),
    argv: ['plan', '--env', 'dev'],
    exit: 2,
    stderr: /pctl\.yaml:12 \[env dev\] services\.web\.provider: required field is missing/,
  },
  {
    name: 'an environment that is a list',
    files: stack(withEnv('  dev: [1, 2]\n')),
    argv: ['plan'],
    exit: 2,
    stderr: /pctl\.yaml:9 environments\.dev: an environment is a partial stack/,
  },
  {
    name: 'environments that is a string',
    files: stack(withEnv('').replace('environments:\n', 'environments: dev\n')),
    argv: ['plan'],
    exit: 2,
    stderr: /pctl\.yaml:8 environments: environments must be a map/,
  },
  {
    name: 'an environment named all',
    files: stack(withEnv('  all: {}\n')),
    argv: ['validate'],
    exit: 2,
    stderr: /pctl\.yaml:9 environments\.all: "all" is reserved/,
  },
  {
    name: 'an environment name with a slash',
    files: stack(withEnv('  "../x": {}\n')),
    argv: ['validate'],
    exit: 2,
    stderr: /pctl\.yaml:9 environments\.\.\.\/x: environment name may hold letters/,
  },
  {
    name: 'an environment defining environments',
    files: stack(withEnv('  dev:\n    environments: { x: {} }\n')),
    argv: ['plan', '--env', 'dev'],
    exit: 2,
    stderr:
      /pctl\.yaml:10 \[env dev\] environments\.dev\.environments: an environment cannot define environments of its own/,
  },
  {
    name: 'an environment whose name makes the stack name too long',
    files: stack(withEnv(`  ${'e'.repeat(62)}: {}\n`)),
    argv: ['plan', '--env', 'e'.repeat(62)],
    exit: 2,
    stderr: /name: stack name must be at most 63 characters/,
  },
  {
    name: 'an environment that replaces a secret with a bad value does not print it',
    files: stack(withEnv('  dev:\n    services:\n      web:\n        ports: ["${env:TOKEN}"]\n'), {}),
    argv: ['plan', '--env', 'dev'],
    env: { TOKEN: 'hunter2-secret-value' },
    exit: 2,
    stderr: /\[env dev\] services\.web\.ports\.0/,
    never: ['hunter2-secret-value'],
  },
  {
    name: "validate --env all: every environment's errors, each with its line and environment",
    files: stack(
      withEnv(
        '  dev:\n    services:\n      web:\n        scale: { replicaz: 1 }\n  production:\n    services:\n      web:\n        ports: [0]\n',
      ),
    ),
    argv: ['validate', '--env', 'all'],
    exit: 2,
    stderr:
      /pctl\.yaml: 2 errors, first: pctl\.yaml:12 \[env dev\] services\.web\.scale\.replicaz: unknown field[\s\S]*pctl\.yaml:16 \[env production\] services\.web\.ports\.0: port 0 is outside 1-65535/,
  },
];

const includeCases: HostileCase[] = [
  {
    name: 'an include cycle',
    files: stack(STACK.replace('services:\n', 'include: [./a.yaml]\nservices:\n'), {
      'a.yaml': 'include: [./b.yaml]\n',
      'b.yaml': 'include: [./a.yaml]\n',
    }),
    argv: ['deploy'],
    exit: 2,
    stderr: /b\.yaml:1 include\.0: include cycle: a\.yaml -> b\.yaml -> a\.yaml/,
    after: nothingWritten,
  },
  {
    name: 'a file including itself',
    files: stack(STACK.replace('services:\n', 'include: [./pctl.yaml]\nservices:\n')),
    argv: ['plan'],
    exit: 2,
    stderr: /pctl\.yaml:4 include\.0: include cycle: pctl\.yaml -> pctl\.yaml/,
  },
  {
    name: 'an include outside the repository',
    files: stack(STACK.replace('services:\n', 'include: [../../etc/passwd]\nservices:\n')),
    argv: ['plan'],
    exit: 2,
    stderr: /pctl\.yaml:4 include\.0: "\.\.\/\.\.\/etc\/passwd" is outside the repository/,
  },
  {
    name: 'an absolute include path outside the repository',
    files: stack(STACK.replace('services:\n', 'include: [/etc/hostname]\nservices:\n')),
    argv: ['plan'],
    exit: 2,
    stderr: /"\/etc\/hostname" is outside the repository/,
  },
  {
    name: 'an include through a symlink leading out',
    files: stack(STACK.replace('services:\n', 'include: [./out.yaml]\nservices:\n'), {
      'out.yaml': { symlink: '/etc/hostname' },
    }),
    argv: ['plan'],
    exit: 2,
    stderr: /"\.\/out\.yaml" is outside the repository/,
  },
  {
    name: 'an included file that does not exist',
    files: stack(STACK.replace('services:\n', 'include: [./nope.yaml]\nservices:\n')),
    argv: ['plan'],
    exit: 2,
    stderr: /pctl\.yaml:4 include\.0: "\.\/nope\.yaml": the included stack file .*nope\.yaml does not exist/,
  },
  {
    name: 'an included FIFO',
    files: stack(STACK.replace('services:\n', 'include: [./fifo.yaml]\nservices:\n'), { 'fifo.yaml': { fifo: true } }),
    argv: ['plan'],
    exit: 2,
    stderr: /the included stack file .*fifo\.yaml is a FIFO/,
    timeoutMs: 20_000,
  },
  {
    name: 'an included folder',
    files: stack(STACK.replace('services:\n', 'include: [./dir]\nservices:\n'), { 'dir/x': 'x' }),
    argv: ['plan'],
    exit: 2,
    stderr: /the included stack file .*dir is a directory/,
  },
  {
    name: 'include as a string',
    files: stack(STACK.replace('services:\n', 'include: ./a.yaml\nservices:\n')),
    argv: ['plan'],
    exit: 2,
    stderr: /pctl\.yaml:4 include: include must be a list of stack file paths/,
  },
  {
    name: 'an include path with a reference',
    files: stack(STACK.replace('services:\n', 'include: ["${env:HOME}/x.yaml"]\nservices:\n')),
    argv: ['plan'],
    exit: 2,
    stderr: /include paths are read before references resolve/,
  },
  {
    name: 'a service defined twice, both files and lines named',
    files: stack(STACK.replace('services:\n', 'include: [./a.yaml]\nservices:\n'), {
      'a.yaml': '# other\nservices:\n  web: { image: busybox:latest, provider: { name: file } }\n',
    }),
    argv: ['deploy'],
    exit: 2,
    stderr: /a\.yaml:3 services\.web: service "web" is defined twice: in pctl\.yaml:6 and in a\.yaml:3/,
    after: nothingWritten,
  },
  {
    name: 'an included file with invalid YAML, at its line',
    files: stack(STACK.replace('services:\n', 'include: [./a.yaml]\nservices:\n'), {
      'a.yaml': 'services:\n  api: [\n',
    }),
    argv: ['plan'],
    exit: 2,
    stderr: /a\.yaml:\d+ /,
  },
  {
    name: 'an included file with a plugin (not taken from it)',
    files: stack(STACK.replace('services:\n', 'include: [./a.yaml]\nservices:\n'), {
      'a.yaml': 'plugin: [./evil.mjs]\nservices: {}\n',
      'evil.mjs': 'console.log("PLUGIN RAN")\nexport default () => {}\n',
    }),
    argv: ['plan'],
    exit: 2,
    stderr: /a\.yaml:1 plugin: `plugin` is not taken from an included stack file/,
    never: ['PLUGIN RAN'],
  },
  {
    name: "an included service with an unknown field, at the included file's line",
    files: stack(STACK.replace('services:\n', 'include: [./sub/a.yaml]\nservices:\n'), {
      'sub/a.yaml': 'services:\n  api:\n    image: busybox:latest\n    provider: { name: file }\n    imagee: x\n',
    }),
    argv: ['plan'],
    exit: 2,
    stderr: /sub\/a\.yaml:5 services\.api\.imagee: unknown field "imagee" \(did you mean "image"\?\)/,
  },
  {
    name: 'an included image path leaving its own folder',
    files: stack(STACK.replace('services:\n', 'include: [./sub/a.yaml]\nservices:\n'), {
      'sub/a.yaml': 'services:\n  api:\n    image: ../../x\n    provider: { name: file }\n',
    }),
    argv: ['plan'],
    exit: 2,
    stderr: /sub\/a\.yaml:3 services\.api\.image: "\.\.\/\.\.\/x" leaves the stack file's folder/,
  },
];

const variableCases: HostileCase[] = [
  {
    name: 'PCTL_CONCURRENCY garbage names the variable',
    files: stack(),
    argv: ['plan'],
    env: { PCTL_CONCURRENCY: 'lots' },
    exit: 2,
    stderr: /PCTL_CONCURRENCY must be a positive integer, got "lots"/,
  },
  {
    name: 'PCTL_LOCK_TIMEOUT garbage names the variable',
    files: stack(),
    argv: ['deploy'],
    env: { PCTL_LOCK_TIMEOUT: 'forever' },
    exit: 2,
    stderr: /PCTL_LOCK_TIMEOUT must be a duration/,
    after: nothingWritten,
  },
  {
    name: 'PCTL_STEP_TIMEOUT garbage names the variable',
    files: stack(),
    argv: ['plan'],
    env: { PCTL_STEP_TIMEOUT: '5 minutes' },
    exit: 2,
    stderr: /PCTL_STEP_TIMEOUT must be a duration/,
  },
  {
    name: 'PCTL_JSON garbage names the variable',
    files: stack(),
    argv: ['plan'],
    env: { PCTL_JSON: 'maybe' },
    exit: 2,
    stderr: /PCTL_JSON must be 1, true, yes or on \(or 0, false, no, off\), got "maybe"/,
  },
  {
    name: 'PCTL_NO_WAIT garbage names the variable',
    files: stack(),
    argv: ['deploy'],
    env: { PCTL_NO_WAIT: '2' },
    exit: 2,
    stderr: /PCTL_NO_WAIT must be 1, true/,
    after: nothingWritten,
  },
  {
    name: 'a flag beats its variable: --concurrency 2 with PCTL_CONCURRENCY garbage',
    files: stack(),
    argv: ['plan', '--concurrency', '2'],
    env: { PCTL_CONCURRENCY: 'lots' },
    exit: 0,
    stdout: /create\s+ev-web/,
  },
  {
    name: 'a flag beats its variable: --env dev with PCTL_ENV naming nothing',
    files: stack(),
    argv: ['plan', '--env', 'dev'],
    env: { PCTL_ENV: 'nosuch' },
    exit: 0,
    stdout: /create\s+ev-dev-web/,
  },
  {
    name: 'PCTL_NAME with a shell substitution names the variable',
    files: stack(),
    argv: ['deploy'],
    env: { PCTL_NAME: '$(id)' },
    exit: 2,
    stderr: /PCTL_NAME: stack name may hold letters, digits/,
    never: ['uid='],
    after: nothingWritten,
  },
  {
    name: 'PCTL_NAME empty names the variable',
    files: stack(),
    argv: ['validate'],
    env: { PCTL_NAME: '' },
    exit: 2,
    stderr: /PCTL_NAME: stack name may hold/,
  },
  {
    name: 'PCTL_CONFIG naming a missing file',
    files: stack(),
    argv: ['plan'],
    env: { PCTL_CONFIG: 'nope.yaml' },
    exit: 2,
    stderr: /stack file not found: nope\.yaml/,
  },
  {
    name: "a bad --concurrency is still the flag's error with a good variable",
    files: stack(),
    argv: ['plan', '--concurrency', '0'],
    env: { PCTL_CONCURRENCY: '3' },
    exit: 2,
    stderr: /--concurrency must be a positive integer, got "0"/,
  },
];

const exitCodeCases: HostileCase[] = [
  {
    name: 'plan --exit-code on an invalid stack is 1, not 2',
    files: stack(withEnv('  dev:\n    servicez: {}\n')),
    argv: ['plan', '--env', 'dev', '--exit-code'],
    exit: 1,
    stderr: /unknown field "servicez"/,
  },
  {
    name: 'plan --exit-code with an unknown environment is 1',
    files: stack(),
    argv: ['plan', '--env', 'nope', '--exit-code'],
    exit: 1,
    stderr: /no environment "nope"/,
  },
  {
    name: 'plan --exit-code with changes is 2, and --json says ok',
    files: stack(),
    argv: ['plan', '--exit-code', '--json'],
    exit: 2,
    stdout: /^\{"formatVersion":1,"command":"plan","ok":true,.*"changes":1.*\}$/,
  },
];

export const cases: HostileCase[] = [...environmentCases, ...includeCases, ...variableCases, ...exitCodeCases];
