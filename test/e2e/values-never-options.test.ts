// A value from the stack file (or the state file) never lands where a command reads
// options. Every field that reaches an argument list or an engine request gets a value
// with a leading `-`; pctl runs with recording stand-ins for docker, ssh, kind and tar on
// PATH and for the Docker Engine API (DOCKER_HOST), and each recorded argv is parsed with
// that tool's grammar: the value must be an operand (after `--`, or a plain word) or the
// value of an option, never an option itself, or pctl must have refused it with exit 2
// before running anything. In an engine request a value is data: a JSON string in the
// body, a path segment or a query value, never a query parameter, JSON key or header.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pctl, repoRoot, tempDir, writeTree } from '../helpers/cli.js';
import { removeStack } from '../helpers/docker.js';
import { recordingEngine, type EngineRequest, type RecordingEngine } from '../fixtures/argv-recorder/engine.js';

const MARK = '-Xhostile';
const fakes = path.join(repoRoot, 'test/fixtures/argv-recorder');

// Options that take the next argument as their value, per tool (the ones pctl uses).
const VALUE_OPTIONS: Record<string, Set<string>> = {
  docker: new Set([
    '--name',
    '--network',
    '--network-alias',
    '--restart',
    '--label',
    '-e',
    '--env',
    '--env-file',
    '-p',
    '-v',
    '--cpus',
    '--memory',
    '--health-cmd',
    '--health-interval',
    '--health-retries',
    '--health-start-period',
    '--filter',
    '-f',
    '--format',
    '--type',
    '--tail',
    '--since',
    '--until',
    '-t',
    '--target',
    '--build-arg',
    '--username',
  ]),
  ssh: new Set(['-o', '-i', '-l', '-p', '-F', '-J', '-S', '-O', '-L']),
  kind: new Set(['--name', '--wait', '--config', '--image', '--kubeconfig']),
  tar: new Set(['-C', '-f']),
};

// Undoes shellQuote: the words the remote shell sees.
function shellWords(args: string[]): string[] {
  return args.map((a) => (a.startsWith("'") && a.endsWith("'") ? a.slice(1, -1).replace(/'\\''/g, "'") : a));
}

// The arguments of one argv that the tool reads as options (not values, not operands).
export function optionWords(tool: string, args: string[]): string[] {
  const takesValue = VALUE_OPTIONS[tool] ?? new Set<string>();
  const options: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      if (tool === 'ssh') return [...options, ...remoteOptionWords(shellWords(args.slice(i + 2)))];
      break;
    }
    if (!a.startsWith('-') || a === '-') continue;
    options.push(a);
    if (takesValue.has(a)) i++;
  }
  return options;
}

// What the remote host runs: `[sudo -n] [sh -c <script> <$0>] docker ...`.
function remoteOptionWords(words: string[]): string[] {
  let w = words;
  if (w[0] === 'sudo') w = w.slice(2);
  if (w[0] === 'sh' && w[1] === '-c') w = w.slice(4);
  return w[0] === 'docker' ? optionWords('docker', w.slice(1)) : [];
}

// The places of one engine request where a value would act as more than data: query
// parameter names, header names, and keys of the JSON body.
export function apiOptionWords(req: EngineRequest): string[] {
  const url = new URL(req.url, 'http://engine');
  const keys = [...url.searchParams.keys(), ...Object.keys(req.headers)];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) keys.push(k), walk(x);
  };
  if (req.body) walk(JSON.parse(req.body));
  for (const [k, v] of url.searchParams) if (v.startsWith('{')) walk(JSON.parse(v));
  return keys;
}

// Where a request carries the value as data: `path` (a segment), `query` (a parameter's
// value), or the JSON path in the body (`Cmd[2]`, `Env[0]`).
export function dataPlaces(req: EngineRequest, value: string): string[] {
  const url = new URL(req.url, 'http://engine');
  const places = url.pathname
    .split('/')
    .filter((seg) => decodeURIComponent(seg).includes(value))
    .map(() => 'path');
  for (const [k, v] of url.searchParams) if (v.includes(value)) places.push(`query ${k}`);
  const walk = (v: unknown, at: string): void => {
    if (typeof v === 'string' && v.includes(value)) places.push(at);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
  };
  if (req.body) walk(JSON.parse(req.body), '');
  return places;
}

interface Case {
  name: string;
  files: Record<string, string>;
  argv: string[];
  /**
   * refused: exit 2, nothing ran; operand: the value reached an argv, never as an option;
   * absent: on no argv at all (builds go to the Docker engine's API: the context is a tar
   * stream in the request body, build args are JSON in the request, so neither the folder,
   * the Dockerfile's name nor an arg's value is a command-line word); data: on no
   * argv, and in engine requests only as data, at each of `at` (`METHOD /route place`).
   */
  expect: 'refused' | 'operand' | 'absent' | 'data';
  at?: string[];
  /** Builds run on the real engine (through its API): the recording engine builds nothing. */
  realEngine?: true;
}

const svc = (body: string, name = 'api') => `name: opts\nservices:\n  ${name}:\n${body.replace(/^/gm, '    ')}\n`;
const docker = (extra = '', options = '') =>
  `provider: { name: docker${options ? `, options: { ${options} }` : ''} }\n${extra}`;
const state = (entry: Record<string, unknown>) =>
  JSON.stringify({
    'opts-api': {
      provider: 'docker',
      labels: { 'managed-by': 'pctl', 'pctl-stack': 'opts', 'pctl-service': 'opts-api' },
      ...entry,
    },
  });

const cases: Case[] = [
  {
    name: 'image',
    files: { 'pctl.yaml': svc(`image: "${MARK}"\ncommand: id\n${docker()}`) },
    argv: ['deploy'],
    expect: 'refused',
  },
  {
    name: 'image (plan)',
    files: { 'pctl.yaml': svc(`image: "${MARK}"\n${docker()}`) },
    argv: ['plan'],
    expect: 'refused',
  },
  {
    name: 'image (validate)',
    files: { 'pctl.yaml': svc(`image: "${MARK}"\n${docker()}`) },
    argv: ['validate'],
    expect: 'refused',
  },
  {
    name: 'command',
    files: { 'pctl.yaml': svc(`image: busybox\ncommand: "${MARK}"\n${docker()}`) },
    argv: ['deploy'],
    expect: 'data',
    at: ['POST /containers/create Cmd[2]'],
  },
  {
    name: 'health.command',
    files: { 'pctl.yaml': svc(`image: busybox\nhealth: { command: "${MARK}", interval: 1, retries: 1 }\n${docker()}`) },
    argv: ['deploy'],
    expect: 'data',
    at: ['POST /containers/create Healthcheck.Test[1]'],
  },
  {
    name: 'env value',
    files: { 'pctl.yaml': svc(`image: busybox\nenv: { A: "${MARK}" }\n${docker()}`) },
    argv: ['deploy'],
    expect: 'data',
    at: ['POST /containers/create Env[0]'],
  },
  {
    name: 'env value from ${env:}',
    files: { 'pctl.yaml': svc(`image: busybox\nenv: { A: "\${env:HOSTILE}" }\n${docker()}`) },
    argv: ['deploy'],
    expect: 'data',
    at: ['POST /containers/create Env[0]'],
  },
  {
    name: 'env value on a remote host',
    files: { 'pctl.yaml': svc(`image: busybox\nenv: { A: "${MARK}" }\n${docker('', 'host: remote.example')}`) },
    argv: ['deploy'],
    expect: 'data',
    at: ['POST /containers/create Env[0]'],
  },
  {
    name: 'command on a remote host',
    files: {
      'pctl.yaml': svc(
        `image: busybox\ncommand: "${MARK}"\n${docker('', 'host: remote.example, user: deploy, sudo: true')}`,
      ),
    },
    argv: ['deploy'],
    expect: 'data',
    at: ['POST /containers/create Cmd[2]'],
  },
  {
    name: 'registry url',
    files: { 'pctl.yaml': svc(`image: busybox\nregistry: "${MARK}"\n${docker()}`) },
    argv: ['deploy'],
    expect: 'refused',
  },
  {
    name: 'registry username',
    files: {
      'pctl.yaml': svc(`image: busybox\nregistry: { url: r.example, username: "${MARK}", password: pw }\n${docker()}`),
    },
    argv: ['deploy'],
    expect: 'refused',
  },
  {
    name: 'build.target',
    files: {
      'pctl.yaml': svc(`build: { context: ./app, target: "${MARK}" }\n${docker()}`),
      'app/Dockerfile': 'FROM busybox\n',
    },
    argv: ['build'],
    expect: 'refused',
  },
  {
    name: 'build.args name',
    files: {
      'pctl.yaml': svc(`build: { context: ./app, args: { "${MARK}": x } }\n${docker()}`),
      'app/Dockerfile': 'FROM busybox\n',
    },
    argv: ['build'],
    expect: 'refused',
  },
  {
    name: 'build.args value',
    files: {
      'pctl.yaml': svc(`build: { context: ./app, args: { V: "${MARK}" } }\n${docker()}`),
      'app/Dockerfile': 'FROM busybox\n',
    },
    argv: ['build', '--force-build'],
    expect: 'absent',
    realEngine: true,
  },
  {
    name: 'build context folder',
    files: { 'pctl.yaml': svc(`image: ./${MARK}\n${docker()}`), [`${MARK}/Dockerfile`]: 'FROM busybox\n' },
    argv: ['build', '--force-build'],
    expect: 'absent',
    realEngine: true,
  },
  {
    name: 'build context folder, whole context sent',
    files: {
      'pctl.yaml': svc(`image: ./${MARK}\n${docker()}`),
      [`${MARK}/Dockerfile`]: 'FROM busybox\nONBUILD RUN true\n',
    },
    argv: ['build', '--force-build'],
    expect: 'absent',
    realEngine: true,
  },
  {
    name: 'build.dockerfile, whole context sent',
    files: {
      'pctl.yaml': svc(`build: { context: ./app, dockerfile: "${MARK}" }\n${docker()}`),
      [`app/${MARK}`]: 'FROM busybox\nONBUILD RUN true\n',
    },
    argv: ['build', '--force-build'],
    expect: 'absent',
    realEngine: true,
  },
  {
    name: 'build.dockerfile',
    files: {
      'pctl.yaml': svc(`build: { context: ./app, dockerfile: "${MARK}" }\n${docker()}`),
      [`app/${MARK}`]: 'FROM busybox\n',
    },
    argv: ['build', '--force-build'],
    expect: 'absent',
    realEngine: true,
  },
  {
    name: 'options.host',
    files: { 'pctl.yaml': svc(`image: busybox\n${docker('', `host: "${MARK}"`)}`) },
    argv: ['deploy'],
    expect: 'refused',
  },
  {
    name: 'options.user',
    files: { 'pctl.yaml': svc(`image: busybox\n${docker('', `host: h.example, user: "${MARK}"`)}`) },
    argv: ['deploy'],
    expect: 'refused',
  },
  {
    name: 'options.key',
    files: { 'pctl.yaml': svc(`image: busybox\n${docker('', `host: h.example, key: "${MARK}"`)}`) },
    argv: ['deploy'],
    expect: 'refused',
  },
  {
    name: 'options.network',
    files: { 'pctl.yaml': svc(`image: busybox\n${docker('', `network: "${MARK}"`)}`) },
    argv: ['deploy'],
    expect: 'refused',
  },
  {
    name: 'kind options.cluster',
    files: { 'pctl.yaml': svc(`image: busybox\nprovider: { name: kind, options: { cluster: "${MARK}" } }`) },
    argv: ['deploy'],
    expect: 'refused',
  },
  {
    name: 'kind options.nodeImage',
    files: { 'pctl.yaml': svc(`image: busybox\nprovider: { name: kind, options: { nodeImage: "${MARK}" } }`) },
    argv: ['deploy'],
    expect: 'operand',
  },
  // Destroy inspects what the state names first (its labels decide whether it goes): the value is the route's data there.
  {
    name: 'image in the state file (destroy)',
    files: {
      'pctl.yaml': svc(`image: busybox\n${docker()}`),
      'pctl.opts.json': state({ image: MARK, builtByPctl: true }),
    },
    argv: ['destroy'],
    expect: 'data',
    at: ['GET /images/-Xhostile/json path'],
  },
  {
    name: 'host and user in the state file (destroy)',
    files: {
      'pctl.yaml': svc(`image: busybox\n${docker()}`),
      'pctl.opts.json': state({ image: 'busybox', host: MARK, user: MARK, sshKey: MARK }),
    },
    argv: ['destroy'],
    expect: 'operand',
  },
  {
    name: "the original pctl's ssh key field in the state file (destroy)",
    files: {
      'pctl.yaml': svc(`image: busybox\n${docker()}`),
      'pctl.opts.json': state({ image: 'busybox', host: 'h.example', user: 'root', key: MARK }),
    },
    argv: ['destroy'],
    expect: 'operand',
  },
  {
    name: "the original pctl's ssh key field in the state file (orphan removal by deploy)",
    files: {
      'pctl.yaml': 'name: opts\nservices: {}\n',
      'pctl.opts.json': state({ image: 'busybox', host: 'h.example', user: 'root', key: MARK }),
    },
    argv: ['deploy'],
    expect: 'operand',
  },
  {
    name: 'network in the state file (destroy)',
    files: {
      'pctl.yaml': svc(`image: busybox\n${docker()}`),
      'pctl.opts.json': state({ image: 'busybox', network: MARK }),
    },
    argv: ['destroy'],
    expect: 'data',
    at: ['GET /networks/-Xhostile path'],
  },
];

let tmp: ReturnType<typeof tempDir> | undefined;
let engine: RecordingEngine | undefined;
afterEach(async () => {
  await engine?.close();
  tmp?.cleanup();
});
// The build cases build on the real engine.
afterAll(() => removeStack('opts'));

describe('values are never options', () => {
  it.each(cases)('$name', async (c) => {
    tmp = tempDir('pctl-argv-');
    writeTree(tmp.dir, c.files);
    const log = path.join(tmp.dir, 'argv.log');
    const socket = path.join(tmp.dir, 'engine.sock');
    engine = await recordingEngine(socket);
    const dockerHost = c.realEngine ? (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock') : `unix://${socket}`;
    const r = await pctl(c.argv, {
      cwd: tmp.dir,
      env: {
        PATH: `${fakes}:${process.env.PATH}`,
        PCTL_ARGV_LOG: log,
        PCTL_FAKE_ENGINE: socket,
        DOCKER_HOST: dockerHost,
        HOSTILE: MARK,
        KUBECONFIG: path.join(tmp.dir, 'no-kubeconfig'),
      },
    });
    const runs = existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { tool: string; args: string[] })
      : [];
    const requests = engine.requests;
    for (const req of requests)
      expect(
        apiOptionWords(req).filter((k) => k.includes(MARK)),
        `${req.method} ${req.url}`,
      ).toEqual([]);
    if (c.expect === 'refused') {
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/error: .*(must|is not|not start)/);
      expect(runs, 'nothing ran before the refusal').toEqual([]);
      expect(
        requests.filter((q) => q.url !== '/_ping'),
        'no engine request before the refusal',
      ).toEqual([]);
      return;
    }
    const carrying = runs.filter((x) => x.args.some((a) => a.includes(MARK)));
    if (c.expect === 'absent' || c.expect === 'data') {
      expect(r.exitCode, r.stderr).toBe(0);
      expect(carrying, 'the value is on no command line').toEqual([]);
      if (c.expect === 'data') {
        const places = requests.flatMap((q) =>
          dataPlaces(q, MARK).map(
            (at) => `${q.method} ${new URL(q.url, 'http://e').pathname.replace(/^\/v[\d.]+/, '')} ${at}`,
          ),
        );
        expect(places.sort()).toEqual([...c.at!].sort());
      }
      return;
    }
    expect(carrying.length, `the value reached a command line (stderr: ${r.stderr})`).toBeGreaterThan(0);
    for (const x of runs) {
      expect(
        optionWords(x.tool, x.args).filter((o) => o.includes(MARK)),
        `${x.tool} ${x.args.join(' ')}`,
      ).toEqual([]);
    }
  });

  it('the grammar check sees an option where there is one', () => {
    expect(optionWords('docker', ['run', '-d', MARK, 'sh'])).toContain(MARK);
    expect(optionWords('docker', ['run', '-d', '--', MARK])).toEqual(['-d']);
    expect(optionWords('docker', ['run', '--name', MARK, 'busybox'])).toEqual(['--name']);
    expect(optionWords('ssh', ['-o', 'x', '--', 'h', 'docker', 'rmi', `'${MARK}'`])).toContain(MARK);
    expect(optionWords('ssh', ['-o', 'x', '--', 'h', 'docker', 'rmi', '--', `'${MARK}'`])).not.toContain(MARK);
  });
});
