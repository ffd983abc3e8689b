// Hostile custom modules and values: providers, plugins and resolvers that hang, return
// garbage or throw what is not an Error; values that would be read as options; a stack
// whose keys another stack in the folder owns; signals while something hangs; secrets in
// the errors of all of these.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { HostileCase } from '../case.js';

// A stack `hp` with one service `a` (key `hp-a`) on the custom provider in p.mjs.
const stack = (extra = '', service = 'image: busybox:latest') =>
  `name: hp\nproviders: { custom: ./p.mjs }\n${extra}services:\n  a:\n    ${service}\n    provider: { name: custom }\n`;
const provider = (verbs: string) =>
  `export default { apiVersion: 1, name: 'custom', async deploy() { return { ok: true }; }, async destroy() {}, ${verbs} };\n`;
const deployed = JSON.stringify({
  'hp-a': {
    provider: 'custom',
    labels: { 'managed-by': 'pctl', 'pctl-stack': 'hp', 'pctl-service': 'hp-a' },
    image: 'busybox:latest',
  },
});
const NEVER = 'new Promise(() => {})';
const SLOW = 'new Promise((r) => setTimeout(r, 600000))';
const MODULE = /provider custom \(\.\/p\.mjs\)/;

const pendingLeft = (dir: string) => {
  const st = JSON.parse(readFileSync(path.join(dir, 'pctl.hp.json'), 'utf8')) as Record<string, { pending?: boolean }>;
  expect(st['hp-a']?.pending).toBe(true);
};

// One case per verb that hangs, returns garbage, or throws a non-Error.
const hanging: HostileCase[] = [
  {
    name: 'a provider deploy that never settles fails naming the module and the step, lock released',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider(`deploy() { return ${NEVER}; }`) },
    argv: ['deploy'],
    exit: 1,
    stderr: /error: provider custom \(\.\/p\.mjs\): deploy hp-a never settled/,
    after: pendingLeft,
  },
  {
    name: 'a provider deploy that never settles, with --json, says so in the JSON too',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider(`deploy() { return ${NEVER}; }`) },
    argv: ['deploy', '--json'],
    exit: 1,
    stderr: /deploy hp-a never settled/,
    stdout: /"code":"StepNeverSettled"/,
  },
  {
    name: 'a provider destroy that never settles',
    files: { 'pctl.yaml': stack(), 'pctl.hp.json': deployed, 'p.mjs': provider(`destroy() { return ${NEVER}; }`) },
    argv: ['destroy'],
    exit: 1,
    stderr: /provider custom \(\.\/p\.mjs\): destroy hp-a never settled/,
  },
  {
    name: 'a provider status that never settles',
    files: { 'pctl.yaml': stack(), 'pctl.hp.json': deployed, 'p.mjs': provider(`status() { return ${NEVER}; }`) },
    argv: ['status'],
    exit: 1,
    stderr: /provider custom \(\.\/p\.mjs\): status hp-a never settled/,
  },
  {
    name: 'a provider render that never settles',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider(`render() { return ${NEVER}; }`) },
    argv: ['render'],
    exit: 1,
    stderr: /provider custom \(\.\/p\.mjs\): render hp-a never settled/,
  },
  {
    name: 'a provider module whose top-level await never settles',
    files: { 'pctl.yaml': stack(), 'p.mjs': `await ${NEVER};\n${provider('')}` },
    argv: ['plan'],
    exit: 1,
    stderr: /provider custom \(\.\/p\.mjs\): loading the module never settled/,
  },
  {
    name: 'a bare-function provider that never settles',
    files: { 'pctl.yaml': stack(), 'p.mjs': `export default function legacy() { return ${NEVER}; }\n` },
    argv: ['deploy'],
    exit: 1,
    stderr: /provider custom \(\.\/p\.mjs\): the bare function \(deploy\) never settled/,
  },
  {
    name: 'a provider deploy that waits past --step-timeout is given up on',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider(`deploy() { return ${SLOW}; }`) },
    argv: ['deploy', '--step-timeout', '1s'],
    exit: 1,
    stderr: /provider custom \(\.\/p\.mjs\): deploy hp-a did not finish within 1s \(raise --step-timeout/,
    timeoutMs: 30_000,
  },
  {
    name: 'a provider destroy that waits past --step-timeout is given up on',
    files: { 'pctl.yaml': stack(), 'pctl.hp.json': deployed, 'p.mjs': provider(`destroy() { return ${SLOW}; }`) },
    argv: ['destroy', '--step-timeout', '2s'],
    exit: 1,
    stderr: /destroy hp-a did not finish within 2s/,
    timeoutMs: 30_000,
  },
  {
    name: '--step-timeout that is not a duration is bad usage',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider('') },
    argv: ['deploy', '--step-timeout', 'soon'],
    exit: 2,
    stderr: /--step-timeout must be a duration such as 90s, 10m or 1h, got "soon"/,
  },
  {
    name: 'a plugin that never settles',
    files: {
      'pctl.yaml': stack('plugin: [./plug.mjs]\n'),
      'p.mjs': provider(''),
      'plug.mjs': `export default function plug() { return ${NEVER}; }\n`,
    },
    argv: ['validate'],
    exit: 1,
    stderr: /plugin \.\/plug\.mjs: its function never settled/,
  },
  {
    name: 'a plugin module whose top-level await never settles',
    files: {
      'pctl.yaml': stack('plugin: [./plug.mjs]\n'),
      'p.mjs': provider(''),
      'plug.mjs': `await ${NEVER};\nexport default function plug() {}\n`,
    },
    argv: ['plan'],
    exit: 1,
    stderr: /plugin \.\/plug\.mjs: loading the module never settled/,
  },
  {
    name: 'a resolver that never settles',
    files: {
      'pctl.yaml': stack('resolver: [./r.mjs]\n', 'image: "busybox:${slow:tag}"'),
      'p.mjs': provider(''),
      'r.mjs': `export default class { constructor() { return function slow() { return ${NEVER}; }; } }\n`,
    },
    argv: ['plan'],
    exit: 1,
    stderr: /resolver slow: \$\{slow:tag\} never settled/,
  },
  {
    name: 'a resolver module whose top-level await never settles',
    files: {
      'pctl.yaml': stack('resolver: [./r.mjs]\n'),
      'p.mjs': provider(''),
      'r.mjs': `await ${NEVER};\nexport default class { constructor() { return function slow() {}; } }\n`,
    },
    argv: ['validate'],
    exit: 1,
    stderr: /resolver \.\/r\.mjs: loading the module never settled/,
  },
];

const garbage: HostileCase[] = [
  ...(['"garbage"', 'null', '[1, 2]', '42', 'true'] as const).map(
    (v): HostileCase => ({
      name: `a provider deploy that returns ${v} is refused naming the module`,
      files: { 'pctl.yaml': stack(), 'p.mjs': provider(`async deploy() { return ${v}; }`) },
      argv: ['deploy'],
      exit: 1,
      stderr: new RegExp(
        `error: hp-a: ${MODULE.source}: deploy returned (a string \\("garbage"\\)|null|an array|number 42|boolean true), not a state entry object`,
      ),
      after: pendingLeft,
    }),
  ),
  {
    name: 'a provider deploy that returns a circular object is refused',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider('async deploy() { const o = {}; o.self = o; return o; }') },
    argv: ['deploy'],
    exit: 1,
    stderr: /deploy returned a state entry that cannot be stored as JSON/,
  },
  {
    name: 'a provider render that returns a string is refused',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider('async render() { return "yaml"; }') },
    argv: ['render'],
    exit: 1,
    stderr: /provider custom \(\.\/p\.mjs\): render returned a string \("yaml"\), not a list of objects/,
  },
  {
    name: 'a provider render whose list holds null is refused',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider('async render() { return [null]; }') },
    argv: ['render', '--json'],
    exit: 1,
    stderr: /render returned a list whose item 0 is null, not objects/,
  },
  {
    name: 'a provider status with an unknown state shows as unknown, naming the module',
    files: {
      'pctl.yaml': stack(),
      'pctl.hp.json': deployed,
      'p.mjs': provider('async status() { return { state: "fine" }; }'),
    },
    argv: ['status'],
    exit: 0,
    stdout: /live:unknown.*provider custom \(\.\/p\.mjs\): status returned state "fine"/,
  },
  {
    name: 'a provider validateOptions that returns a string is refused',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider('validateOptions() { return "all good"; }') },
    argv: ['plan'],
    exit: 1,
    stderr:
      /provider custom \(\.\/p\.mjs\): validateOptions returned a string \("all good"\), not a list of \{ path, message \}/,
  },
];

const thrown: HostileCase[] = [
  ...(
    [
      ['{ code: 42 }', /failed: threw a non-Error value \{"code":42\}/],
      ['"a plain string"', /failed: a plain string/],
      ['undefined', /failed: threw undefined \(no error object\)/],
      ['null', /failed: threw null \(no error object\)/],
      ['7', /failed: threw number 7/],
      ['Object.create(null)', /failed: threw a non-Error value \{\}/],
    ] as const
  ).map(
    ([v, re]): HostileCase => ({
      name: `a provider deploy that throws ${v} fails in one line naming the module`,
      files: { 'pctl.yaml': stack(), 'p.mjs': provider(`async deploy() { throw ${v}; }`) },
      argv: ['deploy'],
      exit: 1,
      stderr: new RegExp(`error: ${MODULE.source}: deploy hp-a ${re.source}`),
      never: ['[object Object]', 'TypeError'],
    }),
  ),
  {
    name: 'a provider destroy that throws { code: 1 }',
    files: {
      'pctl.yaml': stack(),
      'pctl.hp.json': deployed,
      'p.mjs': provider('async destroy() { throw { code: 1 }; }'),
    },
    argv: ['destroy'],
    exit: 1,
    stderr: /provider custom \(\.\/p\.mjs\): destroy hp-a failed: threw a non-Error value \{"code":1\}/,
    never: ['[object Object]'],
  },
  {
    name: 'a provider validateOptions that throws a string',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider('validateOptions() { throw "no options for you"; }') },
    argv: ['plan'],
    exit: 1,
    stderr: /provider custom \(\.\/p\.mjs\): validateOptions failed: no options for you/,
  },
  {
    name: 'a plugin that throws { code: 42 }',
    files: {
      'pctl.yaml': stack('plugin: [./plug.mjs]\n'),
      'p.mjs': provider(''),
      'plug.mjs': 'export default function plug() { throw { code: 42 }; }\n',
    },
    argv: ['validate'],
    exit: 2,
    stderr: /plugin \.\/plug\.mjs failed: threw a non-Error value \{"code":42\}/,
    never: ['[object Object]', 'TypeError'],
  },
  {
    name: 'a plugin that throws undefined',
    files: {
      'pctl.yaml': stack('plugin: [./plug.mjs]\n'),
      'p.mjs': provider(''),
      'plug.mjs': 'export default function plug() { throw undefined; }\n',
    },
    argv: ['plan'],
    exit: 2,
    stderr: /plugin \.\/plug\.mjs failed: threw undefined/,
    never: ['TypeError'],
  },
  {
    name: 'a resolver that throws { code: 42 }',
    files: {
      'pctl.yaml': stack('resolver: [./r.mjs]\n', 'image: "busybox:${bad:x}"'),
      'p.mjs': provider(''),
      'r.mjs': 'export default class { constructor() { return function bad() { throw { code: 42 }; }; } }\n',
    },
    argv: ['validate'],
    exit: 2,
    stderr: /pctl\.yaml:\d+ .*\$\{bad:x\}: resolver failed: threw a non-Error value \{"code":42\}/,
    never: ['[object Object]'],
  },
  {
    name: 'a resolver whose constructor throws a string',
    files: {
      'pctl.yaml': stack('resolver: [./r.mjs]\n'),
      'p.mjs': provider(''),
      'r.mjs': 'export default class { constructor() { throw "broken resolver"; } }\n',
    },
    argv: ['validate'],
    exit: 2,
    stderr: /cannot load resolver \.\/r\.mjs: broken resolver/,
  },
];

const options: HostileCase[] = [
  ...(
    [
      [
        'image',
        'image: "--privileged"\n    command: id\n    provider: { name: docker }',
        /services\.a\.image: "--privileged" is not an image reference/,
      ],
      [
        'image (a single dash)',
        'image: "-"\n    provider: { name: docker }',
        /services\.a\.image: "-" is not an image reference/,
      ],
      [
        'registry',
        'image: busybox\n    registry: "--insecure"\n    provider: { name: docker }',
        /services\.a\.registry: "--insecure" is not a registry host/,
      ],
      [
        'build.target',
        'build: { context: ., target: "--no-cache" }\n    provider: { name: docker }',
        /services\.a\.build\.target: "--no-cache" is not a build stage name/,
      ],
      [
        'options.host',
        'image: busybox\n    provider: { name: docker, options: { host: "-oProxyCommand=touch /tmp/pwned" } }',
        /services\.a\.provider\.options\.host: must be a host name or address/,
      ],
      [
        'options.user',
        'image: busybox\n    provider: { name: docker, options: { host: h.example, user: "-oProxyCommand=x" } }',
        /services\.a\.provider\.options\.user: must be a user name/,
      ],
      [
        'options.key',
        'image: busybox\n    provider: { name: docker, options: { host: h.example, key: "-F/dev/null" } }',
        /services\.a\.provider\.options\.key: must be the path of a key file/,
      ],
      [
        'options.network',
        'image: busybox\n    provider: { name: docker, options: { network: "--internal" } }',
        /services\.a\.provider\.options\.network: must be a Docker network name/,
      ],
      [
        'env name with =',
        'image: busybox\n    env: { "A=B": x }\n    provider: { name: docker }',
        /services\.a\.env\.A=B: "A=B" is not an environment variable name/,
      ],
    ] as const
  ).map(
    ([what, service, re]): HostileCase => ({
      name: `a leading - (or worse) in ${what} is refused before anything runs`,
      files: { 'pctl.yaml': `name: hp\nservices:\n  a:\n    ${service}\n`, Dockerfile: 'FROM busybox\n' },
      argv: ['deploy'],
      exit: 2,
      stderr: re,
    }),
  ),
  {
    name: 'a host folder on a Kubernetes provider is refused by validate and plan, with the line',
    files: {
      'pctl.yaml':
        'name: hp\nservices:\n  a:\n    image: busybox\n    volumes: ["./data:/data", { path: /cache }]\n    provider: { name: kind }\n',
    },
    argv: ['validate'],
    exit: 2,
    stderr:
      /pctl\.yaml:5 services\.a\.volumes\.0: a host folder \(\/\S*\/data\) cannot be mounted: a Kubernetes cluster's nodes do not have it/,
  },
  {
    name: 'the same refusal stops plan before anything runs',
    files: {
      'pctl.yaml':
        'name: hp\nservices:\n  a:\n    image: busybox\n    volumes: ["./data:/data"]\n    provider: { name: aws, options: { cluster: c, namespace: n, region: eu-west-1 } }\n',
    },
    argv: ['plan'],
    exit: 2,
    stderr: /services\.a\.volumes\.0: a host folder/,
  },
  {
    name: 'a host folder on a remote Docker host is refused by validate, with the line',
    files: {
      'pctl.yaml':
        'name: hp\nservices:\n  a:\n    image: busybox\n    volumes: ["./data:/data"]\n    provider: { name: docker, options: { host: example.internal } }\n',
    },
    argv: ['validate'],
    exit: 2,
    stderr:
      /pctl\.yaml:5 services\.a\.volumes\.0: a host folder \(\/\S*\/data\) cannot be mounted on the remote Docker host example\.internal/,
  },
  {
    name: 'image "--privileged" is refused by validate too',
    files: { 'pctl.yaml': 'name: hp\nservices:\n  a:\n    image: "--privileged"\n    provider: { name: docker }\n' },
    argv: ['validate'],
    exit: 2,
    stderr: /services\.a\.image: "--privileged" is not an image reference .*read as an option/,
  },
];

const collisions: HostileCase[] = [
  {
    name: 'a stack whose key another stack in the folder owns is refused naming both',
    files: {
      'pctl.yaml':
        'name: a\nproviders: { custom: ./p.mjs }\nservices:\n  b-c:\n    image: busybox\n    provider: { name: custom }\n',
      'p.mjs': provider(''),
      'pctl.a-b.json': JSON.stringify({
        'a-b-c': { provider: 'docker', labels: { 'managed-by': 'pctl', 'pctl-stack': 'a-b', 'pctl-service': 'a-b-c' } },
      }),
    },
    argv: ['deploy'],
    exit: 2,
    stderr:
      /pctl\.yaml:4: services\.b-c: stack a service b-c has the key a-b-c, which stack a-b \(pctl\.a-b\.json\) uses for its service c/,
  },
  {
    name: 'the same collision refuses plan and destroy as well',
    files: {
      'pctl.yaml':
        'name: a-b\nproviders: { custom: ./p.mjs }\nservices:\n  c:\n    image: busybox\n    provider: { name: custom }\n',
      'p.mjs': provider(''),
      'pctl.a.json': JSON.stringify({ 'a-b-c': { provider: 'docker', labels: {} } }),
    },
    argv: ['plan'],
    exit: 2,
    stderr: /stack a-b service c has the key a-b-c, which stack a \(pctl\.a\.json\) uses for its service b-c/,
  },
  {
    name: 'a collision via --name is refused too',
    files: {
      'pctl.yaml': stack(),
      'p.mjs': provider(''),
      'pctl.other.json': JSON.stringify({ 'x-y-a': { provider: 'custom', labels: {} } }),
    },
    argv: ['deploy', '--name', 'x-y'],
    exit: 2,
    stderr: /stack x-y service a has the key x-y-a, which stack other \(pctl\.other\.json\)/,
  },
  {
    name: 'validate refuses the same collision, with the line',
    files: {
      'pctl.yaml':
        'name: a\nproviders: { custom: ./p.mjs }\nservices:\n  b-c:\n    image: busybox\n    provider: { name: custom }\n',
      'p.mjs': provider(''),
      'pctl.a-b.json': JSON.stringify({ 'a-b-c': { provider: 'docker', labels: {} } }),
    },
    argv: ['validate'],
    exit: 2,
    stderr: /pctl\.yaml:4: services\.b-c: stack a service b-c has the key a-b-c, which stack a-b/,
  },
  {
    name: 'an unknown provider stops the run before a plugin (a bare provider) runs',
    files: {
      'pctl.yaml':
        'name: hp\nplugin: [./legacy.mjs]\nservices:\n  old:\n    image: busybox\n    provider: { name: legacy }\n  new:\n    image: busybox\n    provider: { name: nope }\n',
      'legacy.mjs':
        'import { writeFileSync } from "node:fs";\nexport const providers = ["legacy"];\nexport default async function legacy(parsed) { if (process.argv.includes("deploy")) writeFileSync("deployed.txt", "yes"); }\n',
    },
    argv: ['deploy'],
    exit: 2,
    stderr: /pctl\.yaml:9 services\.new\.provider\.name: unknown provider "nope"/,
    after: (dir) => expect(existsSync(path.join(dir, 'deployed.txt'))).toBe(false),
  },
  {
    name: 'another stack in the folder with other keys is fine',
    files: {
      'pctl.yaml': stack(),
      'p.mjs': provider(''),
      'pctl.hp-b.json': JSON.stringify({ 'hp-b-x': { provider: 'custom', labels: {} } }),
    },
    argv: ['plan'],
    exit: 0,
    stdout: /hp-a/,
  },
];

const signals: HostileCase[] = [
  {
    name: 'SIGINT while a resolver hangs stops at once with 130',
    files: {
      'pctl.yaml': stack('resolver: [./r.mjs]\n', 'image: "busybox:${slow:tag}"'),
      'p.mjs': provider(''),
      'r.mjs': `export default class { constructor() { return function slow() { process.stderr.write("resolving\\n"); return ${SLOW}; }; } }\n`,
    },
    argv: ['plan'],
    exit: 130,
    stderr: /SIGINT: interrupted/,
    signal: { name: 'SIGINT', waitFor: /resolving/ },
  },
  {
    name: 'SIGTERM while a plugin hangs stops at once with 130',
    files: {
      'pctl.yaml': stack('plugin: [./plug.mjs]\n'),
      'p.mjs': provider(''),
      'plug.mjs': `export default function plug() { process.stderr.write("plugging\\n"); return ${SLOW}; }\n`,
    },
    argv: ['deploy'],
    exit: 130,
    stderr: /SIGTERM: interrupted/,
    signal: { name: 'SIGTERM', waitFor: /plugging/ },
  },
  {
    name: 'SIGTERM while a provider status hangs stops at once with 130',
    files: {
      'pctl.yaml': stack(),
      'pctl.hp.json': deployed,
      'p.mjs': provider(`status() { process.stderr.write("asking\\n"); return ${SLOW}; }`),
    },
    argv: ['status'],
    exit: 130,
    stderr: /SIGTERM: interrupted/,
    signal: { name: 'SIGTERM', waitFor: /asking/ },
  },
  {
    name: 'SIGTERM during a hung deploy lets the step time out, then fails naming it, lock released',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider(`deploy() { return ${SLOW}; }`) },
    argv: ['deploy', '--step-timeout', '3s'],
    exit: 1,
    stderr: /SIGTERM: finishing running steps[\s\S]*deploy hp-a did not finish within 3s/,
    signal: { name: 'SIGTERM', waitFor: /creating/ },
    timeoutMs: 30_000,
  },
];

const secrets: HostileCase[] = [
  {
    name: 'a provider error quoting a 5-character secret is masked',
    files: {
      'pctl.yaml': stack('', 'image: busybox\n    env: { PW: "${env:PCTL_HOSTILE_PW}" }'),
      'p.mjs': provider('async deploy({ target }) { throw new Error("login refused for " + target.service.env.PW); }'),
    },
    env: { PCTL_HOSTILE_PW: 'kX9pW' },
    argv: ['deploy', '-v'],
    exit: 1,
    stderr: /deploy hp-a failed: login refused for \*\*\*/,
    never: ['kX9pW'],
  },
  {
    name: 'a provider error thrown as a string quoting a 3-character secret is masked',
    files: {
      'pctl.yaml': stack('', 'image: busybox\n    env: { PW: "${env:PCTL_HOSTILE_PW}" }'),
      'p.mjs': provider('async deploy({ target }) { throw "bad pw " + target.service.env.PW; }'),
    },
    env: { PCTL_HOSTILE_PW: 'Qz7' },
    argv: ['deploy', '--json'],
    exit: 1,
    stderr: /failed: bad pw \*\*\*/,
    never: ['Qz7'],
  },
  {
    name: 'a secret used as a dependsOn name is masked in the config error',
    files: {
      'pctl.yaml': stack('', 'image: busybox\n    dependsOn: ["${env:PCTL_HOSTILE_PW}"]'),
      'p.mjs': provider(''),
    },
    env: { PCTL_HOSTILE_PW: 'hunter2-TOPSECRET' },
    argv: ['validate'],
    exit: 2,
    stderr: /unknown service "\*\*\*"/,
    never: ['hunter2', 'TOPSECRET'],
  },
  {
    name: 'an image built from a marked secret is masked in the plan table',
    files: {
      'pctl.yaml': stack('secrets: [PCTL_HOSTILE_TAG]\n', 'image: "registry.example/app:${env:PCTL_HOSTILE_TAG}"'),
      'p.mjs': provider(''),
    },
    env: { PCTL_HOSTILE_TAG: 'kX9pW' },
    argv: ['plan'],
    exit: 0,
    stdout: /registry\.example\/app:\*\*\*/,
    never: ['kX9pW'],
  },
  {
    name: 'a provider that puts a secret in its state entry: the state file gets it masked',
    files: {
      'pctl.yaml': stack('', 'image: busybox\n    env: { PW: "${env:PCTL_HOSTILE_PW}" }'),
      'p.mjs': provider('async deploy({ target }) { return { copy: target.service.env.PW }; }'),
    },
    env: { PCTL_HOSTILE_PW: 'Qz7kX' },
    argv: ['deploy', '--json'],
    exit: 0,
    never: ['Qz7kX'],
    after: (dir) => expect(readFileSync(path.join(dir, 'pctl.hp.json'), 'utf8')).not.toContain('Qz7kX'),
  },
  {
    name: 'an image built from a marked secret is masked in the state file after deploy',
    files: {
      'pctl.yaml': stack('secrets: [PCTL_HOSTILE_TAG]\n', 'image: "registry.example/app:${env:PCTL_HOSTILE_TAG}"'),
      'p.mjs': provider(''),
    },
    env: { PCTL_HOSTILE_TAG: 'Vb4nR8tJ' },
    argv: ['deploy'],
    exit: 0,
    never: ['Vb4nR8tJ'],
    after: (dir) => expect(readFileSync(path.join(dir, 'pctl.hp.json'), 'utf8')).not.toContain('Vb4nR8tJ'),
  },
];

export const cases: HostileCase[] = [
  ...hanging,
  ...garbage,
  ...thrown,
  ...options,
  ...collisions,
  ...signals,
  ...secrets,
];
