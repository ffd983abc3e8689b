// Faults that used to end a run silently or leave it unreadable: modules that call
// process.exit, output that reaches fd 1 around the --json document, messages of many
// megabytes, state entries too large or too deep to read back, and a planted `.bak` link.
import { lstatSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { HostileCase } from '../case.js';

// A stack `hp` with services on the custom provider in p.mjs.
const stack = (extra = '', services = ['a']) =>
  `name: hp\nproviders: { custom: ./p.mjs }\n${extra}services:\n${services.map((s) => `  ${s}:\n    image: busybox:latest\n    provider: { name: custom }\n`).join('')}`;
const provider = (verbs: string, head = '') =>
  `${head}\nexport default { apiVersion: 1, name: 'custom', async deploy() { return { ok: true }; }, async destroy() {}, ${verbs} };\n`;
const deployed = JSON.stringify({
  'hp-a': {
    provider: 'custom',
    labels: { 'managed-by': 'pctl', 'pctl-stack': 'hp', 'pctl-service': 'hp-a' },
    image: 'busybox:latest',
  },
});
// stdout is the one JSON document and nothing else.
const ONE_DOCUMENT = /^\{"formatVersion":1[^\n]*\}$/;
const EXITED = (who: string) =>
  new RegExp(`error: ${who} called process\\.\\w+\\(\\d*\\); pctl stopped the run instead of exiting`);
const nested = (depth: number, leaf: string, wrap: (inner: string) => string) => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = wrap(v);
  return v;
};

const exits: HostileCase[] = [
  {
    name: 'a provider deploy that calls process.exit(0) fails with exit 1 naming the module, one JSON document, lock released',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider('async deploy() { process.exit(0); }') },
    argv: ['deploy', '--json'],
    exit: 1,
    stderr: EXITED('provider custom \\(\\./p\\.mjs\\): deploy hp-a'),
    stdout:
      /^\{"formatVersion":1,.*"result":"failed".*"code":"ModuleExited".*remove the call at \.\/p\.mjs:\d+:\d+[^\n]*\}$/,
  },
  {
    name: 'a provider that swallows the stopped process.exit still fails the run',
    files: {
      'pctl.yaml': stack(),
      'p.mjs': provider('async deploy() { try { process.exit(0); } catch {} return {}; }'),
    },
    argv: ['deploy', '--json'],
    exit: 1,
    stderr: EXITED('provider custom \\(\\./p\\.mjs\\): deploy hp-a'),
    stdout: /"ok":false.*"code":"ModuleExited"/,
  },
  {
    name: 'a provider that calls process.exit(0) from a timer fails the run, lock released',
    files: {
      'pctl.yaml': stack(),
      'p.mjs': provider('deploy() { setTimeout(() => process.exit(0), 1); return new Promise(() => {}); }'),
    },
    argv: ['deploy', '--json'],
    exit: 1,
    stderr: /called process\.exit\(0\); pctl stopped the run instead of exiting.*remove the call at \.\/p\.mjs:\d+/,
    stdout: ONE_DOCUMENT,
  },
  {
    name: 'a provider whose own timer throws fails the run naming it, one JSON document, lock released',
    files: {
      'pctl.yaml': stack(),
      'p.mjs': provider(
        'deploy() { setTimeout(() => { throw new Error("stray boom"); }, 1); return new Promise(() => {}); }',
      ),
    },
    argv: ['deploy', '--json'],
    exit: 1,
    stderr:
      /error: provider custom \(\.\/p\.mjs\): deploy hp-a failed: a callback of its own threw: stray boom \(the throw is at \.\/p\.mjs:\d+:\d+\)/,
    stdout: /^\{"formatVersion":1,"command":"deploy","ok":false[^\n]*"code":"ModuleFailed"[^\n]*\}$/,
  },
  {
    name: 'a provider whose timer throws while its deploy goes on still fails the run',
    files: {
      'pctl.yaml': stack(),
      'p.mjs': provider(
        'deploy() { setTimeout(() => { throw { code: 42 }; }, 1); return new Promise((r) => setTimeout(() => r({}), 50)); }',
      ),
    },
    argv: ['deploy'],
    exit: 1,
    stderr: /deploy hp-a failed: a callback of its own threw: threw a non-Error value \{"code":42\}/,
    never: ['[object Object]'],
  },
  {
    name: 'a provider module that calls process.exit while it loads',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider('', 'process.exit(0);') },
    argv: ['plan'],
    exit: 1,
    stderr: EXITED('provider custom \\(\\./p\\.mjs\\): loading the module'),
  },
  {
    name: 'a provider destroy that calls process.exit(0)',
    files: {
      'pctl.yaml': stack(),
      'pctl.hp.json': deployed,
      'p.mjs': provider('async destroy() { process.exit(0); }'),
    },
    argv: ['destroy'],
    exit: 1,
    stderr: EXITED('provider custom \\(\\./p\\.mjs\\): destroy hp-a'),
  },
  {
    name: 'a provider status that calls process.reallyExit(0)',
    files: {
      'pctl.yaml': stack(),
      'pctl.hp.json': deployed,
      'p.mjs': provider('async status() { process.reallyExit(0); }'),
    },
    argv: ['status', '--json'],
    exit: 1,
    stderr: EXITED('provider custom \\(\\./p\\.mjs\\): status hp-a'),
    stdout: ONE_DOCUMENT,
  },
  {
    name: 'a provider deploy that calls process.abort() fails instead of dumping core',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider('async deploy() { process.abort(); }') },
    argv: ['deploy'],
    exit: 1,
    stderr: EXITED('provider custom \\(\\./p\\.mjs\\): deploy hp-a'),
  },
  {
    name: 'a plugin that calls process.exit(0)',
    files: {
      'pctl.yaml': stack('plugin: [./plug.mjs]\n'),
      'p.mjs': provider(''),
      'plug.mjs': 'export default function plug() { process.exit(0); }\n',
    },
    argv: ['validate', '--json'],
    exit: 1,
    stderr: EXITED('plugin \\./plug\\.mjs: its function'),
    stdout: /^\{"formatVersion":1,"command":"validate","ok":false.*"code":"ModuleExited"[^\n]*\}$/,
  },
  {
    name: 'a plugin that calls process.exit(0) from a timer',
    files: {
      'pctl.yaml': stack('plugin: [./plug.mjs]\n'),
      'p.mjs': provider(''),
      'plug.mjs': 'export default function plug() { setTimeout(() => process.exit(0), 1); }\n',
    },
    argv: ['validate'],
    exit: 1,
    stderr: /called process\.exit\(0\); pctl stopped the run.*remove the call at \.\/plug\.mjs:\d+/,
  },
  {
    name: 'a resolver that calls process.exit(0)',
    files: {
      'pctl.yaml': stack('resolver: [./r.mjs]\n').replace('busybox:latest', '"busybox:${ex:tag}"'),
      'p.mjs': provider(''),
      'r.mjs': 'export default class { constructor() { return function ex() { process.exit(0); }; } }\n',
    },
    argv: ['plan', '--json'],
    exit: 1,
    stderr: EXITED('resolver ex: \\$\\{ex:tag\\}'),
    stdout: /"code":"ModuleExited"/,
  },
  {
    name: 'a resolver module that calls process.exit(2) while it loads',
    files: {
      'pctl.yaml': stack('resolver: [./r.mjs]\n'),
      'p.mjs': provider(''),
      'r.mjs': 'process.exit(2);\nexport default class { constructor() { return function ex() {}; } }\n',
    },
    argv: ['validate'],
    exit: 1,
    stderr: EXITED('resolver \\./r\\.mjs: loading the module'),
  },
];

const SPAM = `import fs from 'node:fs'; import cp from 'node:child_process'; import { spawnSync } from 'node:child_process'; import { writeSync } from 'node:fs';`;
const stdout: HostileCase[] = [
  {
    name: 'a provider writing to fd 1 every way there is leaves --json stdout one document',
    files: {
      'pctl.yaml': stack(),
      'p.mjs': provider(
        `async deploy() { console.log('SPAM-console'); process.stdout.write('SPAM-write\\n'); fs.writeSync(1, 'SPAM-fd\\n'); writeSync(1, 'SPAM-named\\n'); cp.spawnSync('echo', ['SPAM-child'], { stdio: 'inherit' }); spawnSync('echo', ['SPAM-child2'], { stdio: [0, 1, 2] }); await new Promise((r) => cp.spawn('echo', ['SPAM-child3'], { stdio: 'inherit' }).on('exit', r)); await new Promise((r) => fs.write(1, 'SPAM-async\\n', r)); return {}; }`,
        SPAM,
      ),
    },
    argv: ['deploy', '--json'],
    exit: 0,
    stdout: ONE_DOCUMENT,
    stderr:
      /SPAM-console[\s\S]*SPAM-write[\s\S]*SPAM-fd[\s\S]*SPAM-named[\s\S]*SPAM-child\n[\s\S]*SPAM-child2[\s\S]*SPAM-child3[\s\S]*SPAM-async/,
  },
  {
    name: 'a plugin writing to fd 1 leaves --json stdout one document',
    files: {
      'pctl.yaml': stack('plugin: [./plug.mjs]\n'),
      'p.mjs': provider(''),
      'plug.mjs': `${SPAM}\nexport default function plug() { fs.writeSync(1, 'SPAM-plugin\\n'); cp.execFileSync('echo', ['SPAM-exec'], { stdio: 'inherit' }); }\n`,
    },
    argv: ['plan', '--json'],
    exit: 0,
    stdout: ONE_DOCUMENT,
    stderr: /SPAM-plugin[\s\S]*SPAM-exec/,
  },
  {
    name: 'a provider module writing to fd 1 as it loads leaves --json stdout one document',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider('', `${SPAM}\nfs.writeSync(1, 'SPAM-load\\n');`) },
    argv: ['status', '--json'],
    exit: 0,
    stdout: ONE_DOCUMENT,
    stderr: /SPAM-load/,
  },
];

// 20 MB in one line, as a provider's error message and as a plugin's.
const HUGE = `'x'.repeat(20 * 1024 * 1024)`;
const BOUNDED = /^[^]{0,200000}$/;
const sizes: HostileCase[] = [
  {
    name: 'a provider error of 20 MB is cut with a note saying how much',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider(`async deploy() { throw new Error(${HUGE}); }`) },
    argv: ['deploy', '--json'],
    exit: 1,
    stderr: /deploy hp-a failed: x{100}[^]*x… \(\d{8} more characters cut\)/,
    stdout: /^\{"formatVersion":1[^\n]{0,100000}more characters cut[^\n]{0,100000}\}$/,
  },
  {
    name: 'a provider error of 20 MB is not printed in full',
    files: { 'pctl.yaml': stack(), 'p.mjs': provider(`async deploy() { throw new Error(${HUGE}); }`) },
    argv: ['deploy'],
    exit: 1,
    stderr: BOUNDED,
  },
  {
    name: 'a plugin error of 20 MB is cut',
    files: {
      'pctl.yaml': stack('plugin: [./plug.mjs]\n'),
      'p.mjs': provider(''),
      'plug.mjs': `export default function plug() { throw new Error(${HUGE}); }\n`,
    },
    argv: ['validate'],
    exit: 2,
    stderr: /more characters cut\)/,
  },
  {
    name: 'a provider PctlError of its own with a 20 MB message is cut',
    files: {
      'pctl.yaml': stack(),
      'p.mjs': provider(
        `async deploy() { const e = new Error(${HUGE}); e.name = 'PctlError'; e.code = 'DeployFailed'; throw e; }`,
      ),
    },
    argv: ['deploy'],
    exit: 1,
    stderr: /more characters cut\)/,
  },
  {
    name: 'a provider status with a 20 MB detail and resource name is cut before it is printed',
    files: {
      'pctl.yaml': stack(),
      'pctl.hp.json': deployed,
      'p.mjs': provider(
        `async status() { return { state: 'running', detail: ${HUGE}, resources: [{ name: ${HUGE}, state: 'running' }] }; }`,
      ),
    },
    argv: ['status'],
    exit: 0,
    stdout: /^[^]{0,100000}$/,
    stderr: BOUNDED,
  },
  {
    name: 'a provider status with a 20 MB detail leaves --json one short document',
    files: {
      'pctl.yaml': stack(),
      'pctl.hp.json': deployed,
      'p.mjs': provider(`async status() { return { state: 'running', detail: ${HUGE} }; }`),
    },
    argv: ['status', '--json'],
    exit: 0,
    stdout: /^\{"formatVersion":1[^\n]{0,100000}more characters cut[^\n]{0,1000}\}$/,
  },
  {
    name: 'a --json document larger than a pipe buffer (5,000 resources) reaches stdout whole',
    files: {
      'pctl.yaml': stack(),
      'pctl.hp.json': deployed,
      'p.mjs': provider(
        `async status() { return { state: 'running', resources: Array.from({ length: 5000 }, (_, i) => ({ name: 'pod-' + 'x'.repeat(100) + i, state: 'running' })) }; }`,
      ),
    },
    argv: ['status', '--json'],
    exit: 0,
    stdout: /^\{"formatVersion":1[^\n]*"name":"pod-x{100}999","state":"running"\}\]\}\}\]\}$/,
  },
  {
    name: 'a provider returning 40 MB per service is refused when it returns it, naming the provider; the state stays readable',
    files: {
      'pctl.yaml': stack('', ['a', 'b']),
      'p.mjs': provider(`async deploy() { return { blob: 'y'.repeat(40 * 1024 * 1024) }; }`),
    },
    argv: ['deploy'],
    exit: 1,
    stderr:
      /provider custom \(\.\/p\.mjs\): deploy returned a state entry of \d+ bytes, more than the 1048576 one entry can be/,
    after: (dir) => {
      const file = path.join(dir, 'pctl.hp.json');
      expect(statSync(file).size).toBeLessThan(64 * 1024);
      expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')) as object).sort()).toEqual(['hp-a', 'hp-b']);
    },
  },
  {
    name: 'a provider returning a state entry 3,000 levels deep is refused',
    files: {
      'pctl.yaml': stack(),
      'p.mjs': provider('async deploy() { let v = 1; for (let i = 0; i < 3000; i++) v = { v }; return { deep: v }; }'),
    },
    argv: ['deploy'],
    exit: 1,
    stderr:
      /provider custom \(\.\/p\.mjs\): deploy returned a state entry nested more than 99 levels deep \(at deep\.v\.v\.\.\.\)/,
  },
  {
    name: 'a state entry nested 3,000 levels deep is StateInvalid naming the file',
    files: {
      'pctl.yaml': stack(),
      'p.mjs': provider(''),
      'pctl.hp.json': `{"hp-a":{"provider":"custom","deep":${nested(3000, '1', (v) => `{"x":${v}}`)}}}`,
    },
    argv: ['deploy', '--json'],
    exit: 1,
    stderr:
      /error: state file .*pctl\.hp\.json is not a pctl state file: hp-a\.deep\.x\.\.\.: nested more than 100 levels deep; it was left as it is/,
    stdout: /"code":"StateInvalid"/,
    never: ['Maximum call stack'],
  },
  {
    name: 'a state entry of arrays nested 3,000 levels deep is StateInvalid',
    files: {
      'pctl.yaml': stack(),
      'p.mjs': provider(''),
      'pctl.hp.json': `{"hp-a":{"provider":"custom","deep":${nested(3000, '1', (v) => `[${v}]`)}}}`,
    },
    argv: ['status'],
    exit: 1,
    stderr: /is not a pctl state file: hp-a\.deep\.0\.\.\.: nested more than 100 levels deep/,
  },
  {
    name: 'a state file nested 100,000 levels deep is StateInvalid, not a stack overflow',
    files: {
      'pctl.yaml': stack(),
      'p.mjs': provider(''),
      'pctl.hp.json': `{"hp-a":${nested(100_000, '1', (v) => `[${v}]`)}}`,
    },
    argv: ['destroy'],
    exit: 1,
    stderr: /is not a pctl state file: hp-a\.0\.0\.\.\.: nested more than 100 levels deep/,
    never: ['Maximum call stack'],
  },
];

const links: HostileCase[] = [
  {
    name: 'a symlink planted as the state .bak is replaced, never written through',
    files: {
      'pctl.yaml': stack(),
      'p.mjs': provider(''),
      'pctl.hp.json': deployed,
      'victim.txt': { content: 'precious\n', mode: 0o644 },
      'pctl.hp.json.bak': { symlink: 'victim.txt' },
    },
    argv: ['deploy'],
    exit: 0,
    after: (dir) => {
      expect(readFileSync(path.join(dir, 'victim.txt'), 'utf8')).toBe('precious\n');
      expect(statSync(path.join(dir, 'victim.txt')).mode & 0o777).toBe(0o644);
      expect(lstatSync(path.join(dir, 'pctl.hp.json.bak')).isSymbolicLink()).toBe(false);
      expect(JSON.parse(readFileSync(path.join(dir, 'pctl.hp.json.bak'), 'utf8'))).toHaveProperty('hp-a');
    },
  },
  {
    name: 'a dangling symlink planted as the state .bak creates nothing where it points',
    files: {
      'pctl.yaml': stack(),
      'p.mjs': provider(''),
      'pctl.hp.json': deployed,
      'pctl.hp.json.bak': { symlink: 'planted/out.txt' },
    },
    argv: ['deploy'],
    exit: 0,
    after: (dir) => {
      expect(lstatSync(path.join(dir, 'pctl.hp.json.bak')).isFile()).toBe(true);
      expect(() => statSync(path.join(dir, 'planted'))).toThrow();
    },
  },
];

// A docker stack `hv` with one service `a` plus these lines under it (and more services).
const dockerStack = (lines: string, more = '') =>
  `name: hv\nservices:\n  a:\n    image: busybox:latest\n${lines}    provider: { name: docker }\n${more}`;
const invalid = (name: string, file: string, stderr: RegExp): HostileCase => ({
  name,
  files: { 'pctl.yaml': file },
  argv: ['validate'],
  exit: 2,
  stderr,
});
// What deploy refused with the engine's text, refused by validate with the line.
const knownBefore: HostileCase[] = [
  invalid(
    'a health interval of 1e12 seconds (past int64 nanoseconds) is refused by validate',
    dockerStack('    health: { command: "true", interval: 1000000000000 }\n'),
    /pctl\.yaml:5 services\.a\.health\.interval: must be at most 2147483647 seconds/,
  ),
  invalid(
    'a health interval of 99999999999h is refused by validate',
    dockerStack('    health: { command: "true", interval: 99999999999h }\n'),
    /pctl\.yaml:5 services\.a\.health\.interval: must be at most 2147483647 seconds/,
  ),
  invalid(
    'a volume at / is refused by validate',
    dockerStack('    volumes: [{ path: / }]\n'),
    /pctl\.yaml:5 services\.a\.volumes\.0: a volume cannot be mounted at \//,
  ),
  invalid(
    'a volume at //. (the root, spelled otherwise) is refused by validate',
    dockerStack('    volumes: ["./data://."]\n'),
    /pctl\.yaml:5 services\.a\.volumes\.0: a volume cannot be mounted at \//,
  ),
  invalid(
    'network: host (no aliases there) is refused by validate',
    dockerStack('').replace('{ name: docker }', '{ name: docker, options: { network: host } }'),
    /pctl\.yaml:5 services\.a\.provider\.options\.network: "host" is one of Docker's own networks/,
  ),
  invalid(
    'network: bridge is refused by validate',
    dockerStack('').replace('{ name: docker }', '{ name: docker, options: { network: bridge } }'),
    /services\.a\.provider\.options\.network: "bridge" is one of Docker's own networks/,
  ),
  invalid(
    'a pctl:// image cycle is refused by validate',
    dockerStack(
      '',
      '  b:\n    image: pctl://c\n    provider: { name: docker }\n  c:\n    image: pctl://b\n    provider: { name: docker }\n',
    ),
    /pctl\.yaml:7 services\.b\.image: "pctl:\/\/c" names service "c", whose image is itself a reference \("pctl:\/\/b"\): references do not chain/,
  ),
  invalid(
    'a pctl:// image naming no service is refused by validate',
    dockerStack('', '  b:\n    image: pctl://nope\n    provider: { name: docker }\n'),
    /pctl\.yaml:7 services\.b\.image: "pctl:\/\/nope" names no service \(services with an image: a\)/,
  ),
  invalid(
    'a pctl:// env value naming a service without an image is refused by validate',
    dockerStack('    env: { REF: "pctl://m" }\n', '  m:\n    manifests: [./m.yaml]\n    provider: { name: kind }\n'),
    /pctl\.yaml:5 services\.a\.env\.REF: "pctl:\/\/m" names service "m", which has no image of its own/,
  ),
  invalid(
    'a docker cpu limit under 0.01 is refused by validate',
    dockerStack('    scale: { cpu: 1m }\n'),
    /pctl\.yaml:5 services\.a\.scale\.cpu: 1m is less than the 0\.01 CPUs/,
  ),
  invalid(
    'a docker memory limit under 6Mi is refused by validate',
    dockerStack('    scale: { memory: 512Ki }\n'),
    /pctl\.yaml:5 services\.a\.scale\.memory: 512Ki is less than the 6Mi Docker allows/,
  ),
];

export const cases: HostileCase[] = [...exits, ...stdout, ...sizes, ...links, ...knownBefore];
