// Hostile build.ssh and build.cacheFrom / build.cacheTo values: option-like ids, paths and
// refs, newlines, NULs and shell characters, paths that climb out with "..", and sockets no
// ssh agent listens on (a container engine's, a kernel file). Each is refused while the stack
// file is read: exit 2, one line naming pctl.yaml:<line> and the path, nothing built or run
// (the engine named in DOCKER_HOST does not exist: a value that got through would fail later
// with another code).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { HostileCase } from '../case.js';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const at = (line: number, where: string, text: string) =>
  new RegExp(`error: (pctl\\.yaml: \\d+ errors, first: )?pctl\\.yaml:${line} ${esc(where)}: .*${esc(text)}`);
// `build:` at line 4; the field under test at line 6, a map's or list's entries from line 7.
const stack = (field: string) =>
  `name: loose-hostile\nservices:\n  api:\n    build:\n      context: .\n${field}\n    provider: { name: docker }\n`;
const files = (field: string) => ({ 'pctl.yaml': stack(field), Dockerfile: 'FROM busybox\nRUN true\n' });
const env = { DOCKER_HOST: 'unix:///nonexistent/pctl-loose-hostile.sock' };
const q = JSON.stringify;
const nothingMade = (name: string) => (dir: string) => {
  expect(existsSync(path.join(dir, name)), `${name} was made`).toBe(false);
};

const ssh = (id: string, socket: string) => `      ssh:\n        ${q(id)}: ${q(socket)}`;
const sshId = (name: string, id: string): HostileCase => ({
  name,
  files: files(ssh(id, '/tmp/agent.sock')),
  argv: ['deploy'],
  env,
  exit: 2,
  stderr: new RegExp(
    `error: pctl\\.yaml:7 services\\.api\\.build\\.ssh\\..*: ssh id ${esc(q(id))}: an ssh id is letters`,
  ),
});
const sshPath = (name: string, socket: string, text: string, after?: HostileCase['after']): HostileCase => ({
  name,
  files: files(ssh('agent', socket)),
  argv: ['deploy'],
  env,
  exit: 2,
  stderr: at(7, 'services.api.build.ssh.agent', text),
  ...(after ? { after } : {}),
});
const cache = (
  name: string,
  field: 'cacheFrom' | 'cacheTo',
  value: string,
  text: string,
  after?: HostileCase['after'],
): HostileCase => ({
  name,
  files: files(
    `      ${field}:\n        - ${field === 'cacheTo' ? 'type=inline' : 'r.io/ok/cache:1'}\n        - ${q(value)}`,
  ),
  argv: ['deploy'],
  env,
  exit: 2,
  stderr: at(8, `services.api.build.${field}.1`, text),
  ...(after ? { after } : {}),
});

export const cases: HostileCase[] = [
  sshId('an option-like ssh id (--foo) is refused', '--foo'),
  sshId('an ssh id with a newline is refused', 'agent\nRUN evil'),
  sshId('an ssh id with a NUL is refused', 'agent\u0000x'),
  sshId('an ssh id with shell characters is refused', 'a;touch pwned'),
  sshId('an ssh id that is a path (../x) is refused', '../x'),
  {
    name: 'build.ssh as an option-like string (not default, not a map) is refused',
    files: files('      ssh: "--mount=type=bind"'),
    argv: ['deploy'],
    env,
    exit: 2,
    stderr: /error: pctl\.yaml:6 services\.api\.build\.ssh: /,
  },
  sshPath('an option-like ssh socket path (--help) is refused', '--help', 'looks like a command-line option'),
  sshPath('an ssh socket path with a newline is refused', '/tmp/agent\n.sock', 'is not a plain socket path'),
  sshPath('an ssh socket path with a NUL is refused', '/tmp/agent\u0000.sock', 'is not a plain socket path'),
  sshPath(
    'an ssh socket path with $(...) is refused and never run',
    '/tmp/$(touch pwned)',
    'is not a plain socket path',
    nothingMade('pwned'),
  ),
  sshPath('an ssh socket path with backquotes is refused', '/tmp/`id`.sock', 'is not a plain socket path'),
  sshPath('an ssh socket path with ; is refused', '/tmp/a.sock;id', 'is not a plain socket path'),
  sshPath(
    'an ssh socket path climbing out with ../ is refused',
    '../../../../../var/run/docker.sock',
    'climbs out with ".."',
  ),
  sshPath('an ssh socket path with /x/../ inside is refused', '/tmp/../run/agent.sock', 'climbs out with ".."'),
  sshPath(
    "the Docker engine's socket as an ssh agent is refused",
    '/var/run/docker.sock',
    "is a container engine's socket",
  ),
  sshPath(
    "containerd's socket as an ssh agent is refused",
    '/run/containerd/containerd.sock',
    "is a container engine's socket",
  ),
  sshPath('a kernel file (/proc/self/fd/0) as an ssh agent is refused', '/proc/self/fd/0', 'is a kernel file'),
  sshPath('a device (/dev/tty) as an ssh agent is refused', '/dev/tty', 'is a kernel file'),
  cache('an option-like cacheFrom ref (--push) is refused', 'cacheFrom', '--push', 'cacheFrom needs ref='),
  cache(
    'an option-like ref inside cacheFrom type=registry is refused',
    'cacheFrom',
    'type=registry,ref=--output=type=local',
    'a valid image reference (got "--output=type=local")',
  ),
  cache('a cacheFrom ref with a newline is refused', 'cacheFrom', 'r.io/a/b:1\n--push', 'cacheFrom needs ref='),
  cache('a cacheFrom ref with a NUL is refused', 'cacheFrom', 'r.io/a/b:1\u0000', 'cacheFrom needs ref='),
  cache(
    'a cacheFrom ref with shell characters is refused and never run',
    'cacheFrom',
    'r.io/a/b:1;touch pwned',
    'cacheFrom needs ref=',
    nothingMade('pwned'),
  ),
  cache(
    'a cacheFrom local cache climbing out with ../ is refused',
    'cacheFrom',
    'type=local,src=../../../etc',
    'cacheFrom type=local is not supported',
  ),
  cache('an option-like cacheTo is refused', 'cacheTo', '--cache-to=type=local', 'has no option --cache-to'),
  cache(
    'a cacheTo ref with $(...) is refused',
    'cacheTo',
    'type=registry,ref=r.io/a/$(id):1',
    'cacheTo needs ref=',
    nothingMade('pwned'),
  ),
  cache(
    'a cacheTo with a newline in its mode is refused',
    'cacheTo',
    'type=registry,ref=r.io/a/b:1,mode=min\nx',
    'is not valid',
  ),
  cache(
    'a cacheTo local export climbing out with ../ is refused',
    'cacheTo',
    'type=local,dest=../../../tmp/x',
    'cacheTo type=local is not supported',
  ),
  {
    name: 'plain build.ssh and cache values still load',
    files: files(
      '      ssh:\n        default: ~/.ssh/agent.sock\n        deploy-key: /run/user/1000/gnupg/S.gpg-agent.ssh\n      cacheFrom: [r.io/team/app:cache, "type=registry,ref=127.0.0.1:5000/app:c"]\n      cacheTo: type=inline',
    ),
    argv: ['validate'],
    exit: 0,
    stdout: /valid/,
  },
];
