// Secrets in every output and masking that breaks nothing (issue 25): the state file keeps
// the addresses the next run needs, --json stays one parseable document whatever the
// secrets read, a secret escapes through no form (trimmed, one line of many, escaped, cut at
// a NUL, Node's debug log), and control characters reach no terminal raw.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { HostileCase, HostileFile } from '../case.js';

// A provider that keeps what it was given (options, image, env) in its state entry, and
// fails or reports on demand through env values, so each case needs no platform.
const RECORDING_PROVIDER = `import http from 'node:http';
export default {
  apiVersion: 1,
  name: 'rec',
  async deploy({ ctx, target }) {
    const env = target.service.env ?? {};
    if (env.HEADER) await new Promise((done) => http.get({ host: '127.0.0.1', port: 1, headers: { 'X-Registry-Auth': Buffer.from(env.HEADER).toString('base64') } }).on('error', done));
    if (env.FAIL) throw new Error(env.FAIL.replaceAll('{trim}', (env.SECRET ?? '').trim()).replaceAll('{tail}', (env.SECRET ?? '').split('\\n').slice(-2).join(' | ')).replaceAll('{goq}', JSON.stringify(env.SECRET ?? '').replaceAll('\\\\u0000', '\\\\x00')).replaceAll('{json}', JSON.stringify(env.SECRET ?? '')).replaceAll('{esc}', '\\u001b]0;pwned\\u0007\\u001b[2J\\rforged line'));
    return { provider: 'rec', stack: ctx.stack, options: target.service.provider.options, image: target.image.ref, fingerprint: target.fingerprint };
  },
  async destroy() {},
  async status({ entry }) { return { state: entry ? 'running' : 'missing', detail: 'engine says \\u001b]0;pwned\\u0007\\u001b[2Jbye' }; },
};
`;
const stack = (service: string, extra: Record<string, HostileFile> = {}, name = 'sm'): Record<string, HostileFile> => ({
  'pctl.yaml': `name: ${name}\nproviders:\n  rec: ./rec.mjs\nservices:\n  web:\n${service}`,
  'rec.mjs': RECORDING_PROVIDER,
  ...extra,
});
const state = (dir: string, name = 'sm') =>
  JSON.parse(readFileSync(path.join(dir, `pctl.${name}.json`), 'utf8')) as Record<string, Record<string, unknown>>;
const PEM =
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\nVJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dV\n-----END PRIVATE KEY-----\n';

const stateCases: HostileCase[] = [
  {
    name: 'host and network from ${env:} are stored as they are, not as ***',
    files: stack(
      '    image: busybox:latest\n    provider: { name: rec, options: { host: "${env:DEPLOY_HOST}", network: "${env:NET}" } }\n',
    ),
    argv: ['deploy'],
    env: { DEPLOY_HOST: 'deploy.example.com', NET: 'shared-net-01' },
    exit: 0,
    after: (d) => expect(state(d)['sm-web']!.options).toEqual({ host: 'deploy.example.com', network: 'shared-net-01' }),
  },
  {
    name: 'an image and registry address from ${env:} is stored as it is',
    files: stack('    image: "${env:REG}/app:1.2.3"\n    provider: { name: rec }\n'),
    argv: ['deploy'],
    env: { REG: 'registry.example.com:5000' },
    exit: 0,
    after: (d) => expect(state(d)['sm-web']!.image).toBe('registry.example.com:5000/app:1.2.3'),
  },
  {
    name: 'a stack name from ${env:} is stored and used as it is',
    files: stack('    image: busybox:latest\n    provider: { name: rec }\n', {}, '${env:STACK}'),
    argv: ['deploy'],
    env: { STACK: 'from-the-env' },
    exit: 0,
    after: (d) => expect(state(d, 'from-the-env')['from-the-env-web']!.stack).toBe('from-the-env'),
  },
  {
    name: 'a password from ${env:} never reaches the state file, even next to an address',
    files: stack(
      '    image: busybox:latest\n    env: { DB_PASSWORD: "${env:PW}" }\n    provider: { name: rec, options: { host: "${env:DEPLOY_HOST}", note: "pw is ${env:PW}" } }\n',
    ),
    argv: ['deploy'],
    env: { PW: '4711', DEPLOY_HOST: 'deploy.example.com' },
    exit: 0,
    after: (d) => expect(state(d)['sm-web']!.options).toEqual({ host: 'deploy.example.com', note: 'pw is ***' }),
  },
];

// --json: one document with its keys and its error code, whatever ordinary words the variables hold.
const DOCUMENT =
  /^\{"formatVersion":1,"command":"deploy","ok":false,.*"error":\{"code":"[A-Z]\w+","message":"[^"]*","fault":"user","exitCode":1\}\}\n?$/;
const jsonCases: HostileCase[] = ['true', 'false', 'error', 'code', 'null', 'message'].map((word) => ({
  name: `--json stays one document when a variable holds "${word}" (LOG_LEVEL: ${word})`,
  files: stack(
    '    image: busybox:latest\n    env: { LOG_LEVEL: "${env:LOG_LEVEL}", FAIL: "provider refused: ok" }\n    provider: { name: rec }\n',
  ),
  argv: ['deploy', '--json'],
  env: { LOG_LEVEL: word },
  exit: 1,
  stdout: DOCUMENT,
}));

jsonCases.push({
  name: '--json of a deploy that succeeds keeps "ok":true when a variable holds "true"',
  files: stack('    image: busybox:latest\n    env: { VERBOSE: "${env:VERBOSE}" }\n    provider: { name: rec }\n'),
  argv: ['deploy', '--json'],
  env: { VERBOSE: 'true' },
  exit: 0,
  stdout: /^\{"formatVersion":1,"command":"deploy","ok":true,"pctlVersion":"[^"]+","stack":"sm",/,
});

const escapeCases: HostileCase[] = [
  {
    name: 'a secret with spaces and a trailing newline, printed trimmed in an error line',
    files: stack(
      '    image: busybox:latest\n    env: { SECRET: "${env:PW}", FAIL: "container exited: {trim}" }\n    provider: { name: rec }\n',
    ),
    argv: ['deploy'],
    env: { PW: '  trimmed-s3cret-value \n' },
    exit: 1,
    stderr: /container exited: \*\*\*/,
    never: ['trimmed-s3cret-value'],
  },
  {
    name: 'the last lines of a PEM key from ${file:}, cut by a log tail, in human and --json output',
    files: stack(
      '    image: busybox:latest\n    env: { SECRET: "${file:key.pem}", FAIL: "last log lines: {tail}" }\n    provider: { name: rec }\n',
      { 'key.pem': PEM },
    ),
    argv: ['deploy', '--json', '--verbose'],
    exit: 1,
    stdout: /"ok":false/,
    never: ['VJTUt9Us8cKjMzEfYyjiWA4R4', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'],
  },
  {
    name: 'a secret with a NUL byte, quoted Go-escaped and JSON-escaped in an error',
    files: stack(
      '    image: busybox:latest\n    env: { SECRET: "${file:nul.txt}", FAIL: "bad value {goq} / {json}" }\n    provider: { name: rec }\n',
      { 'nul.txt': 'nul\0after-the-nul-byte' },
    ),
    argv: ['deploy'],
    exit: 1,
    stderr: /bad value "\*\*\*" \/ "\*\*\*"/,
    never: ['after-the-nul-byte'],
  },
  {
    name: 'NODE_DEBUG=http does not print the X-Registry-Auth header',
    files: stack(
      '    image: busybox:latest\n    env: { HEADER: "${env:REG_PASSWORD}" }\n    provider: { name: rec }\n',
    ),
    argv: ['deploy'],
    env: { NODE_DEBUG: 'http,net', REG_PASSWORD: 'registry-pass-42' },
    exit: 0,
    never: [Buffer.from('registry-pass-42').toString('base64'), 'X-Registry-Auth'],
  },
];

const terminalCases: HostileCase[] = [
  {
    name: 'ESC sequences in a provider error reach the terminal escaped',
    files: stack('    image: busybox:latest\n    env: { FAIL: "boom {esc}" }\n    provider: { name: rec }\n'),
    argv: ['deploy'],
    exit: 1,
    stderr: /boom \\x1b\]0;pwned\\x07\\x1b\[2J\\rforged line/,
    never: ['\u001b]0;', '\u001b[2J', '\rforged'],
  },
  {
    name: 'ESC sequences in a status detail and in a state entry reach the terminal escaped',
    files: stack('    image: busybox:latest\n    provider: { name: rec }\n', {
      'pctl.sm.json': JSON.stringify({ 'sm-gone\u001b[2K': { provider: 'rec', image: 'x', fingerprint: 'f' } }),
    }),
    argv: ['status'],
    exit: 0,
    stdout: /\\x1b\]0;pwned\\x07\\x1b\[2Jbye/,
    never: ['\u001b]0;', '\u001b[2J', '\u001b[2K'],
  },
];

export const cases: HostileCase[] = [...stateCases, ...jsonCases, ...escapeCases, ...terminalCases];
