// Ownership: pctl removes only what it created, proven by the labels of the live object,
// never by a name it would give or by what a state file says. Each case meets a user's
// object on the real engine (made by `before`) and must leave it as it was.
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { docker, removeStack } from '../../helpers/docker.js';
import type { HostileCase } from '../case.js';

// One stack per case (the cases of a file run one after another, on one engine).
const stackName = (n: string) => `own${n}${process.pid % 10000}`;
const yaml = (stack: string, extra = '') =>
  `name: ${stack}\nservices:\n  a:\n    image: busybox:latest\n    command: sleep 3600\n${extra}    provider: { name: docker }\n`;
const labels = (stack: string) => ({ 'managed-by': 'pctl', 'pctl-stack': stack, 'pctl-service': `${stack}-a` });
// The state entry a deploy of service `a` leaves, with what the case puts in it.
const state = (stack: string, entry: Record<string, unknown>, key = `${stack}-a`) =>
  JSON.stringify({
    [key]: {
      provider: 'docker',
      host: 'local',
      labels: labels(stack),
      image: 'busybox:latest',
      network: `pctl-${stack}`,
      containers: [`${stack}-a`],
      volumes: [],
      ...entry,
    },
  });

const exists = async (kind: 'volume' | 'network' | 'image' | 'container', name: string) =>
  (await execa('docker', [kind, 'inspect', name], { reject: false })).exitCode === 0;
const quietly = async (args: string[]) => void (await execa('docker', args, { reject: false }));
// A user's volume holding a file, made the way a user would (no label).
const userVolume = async (name: string) => {
  await docker(['volume', 'create', name]);
  await docker(['run', '--rm', '-v', `${name}:/data`, 'busybox:latest', 'sh', '-c', 'echo precious > /data/file']);
};
const volumeFile = async (name: string) =>
  docker(['run', '--rm', '-v', `${name}:/data`, 'busybox:latest', 'cat', '/data/file']);
// A container a user ran from a pctl image: it inherits the image's labels, not pctl-service.
const halfLabelled = (stack: string, name: string, extra: string[] = []) =>
  docker([
    'run',
    '-d',
    '--name',
    name,
    '--label',
    'managed-by=pctl',
    '--label',
    `pctl-stack=${stack}`,
    ...extra,
    'busybox:latest',
    'sleep',
    '3600',
  ]);

const V = stackName('v');
const D = stackName('d');
const A = stackName('a');
const N = stackName('n');
const O = stackName('o');
const K = stackName('k');
const R = stackName('r');
const I = stackName('i');
const J = stackName('j');
const U = stackName('u');

export const cases: HostileCase[] = [
  {
    name: 'deploy meets an unlabelled volume with the name pctl would give: refused naming it, never mounted, its data kept',
    files: { 'pctl.yaml': yaml(V, '    volumes: [{ path: /data }]\n') },
    argv: ['deploy'],
    exit: 1,
    stderr: new RegExp(
      `error: ${V}-a: the Docker volume ${V}-a-storage exists without this service's pctl labels .*: pctl mounts and removes only volumes it created \\(.*docker volume rm ${V}-a-storage\\)`,
    ),
    before: () => userVolume(`${V}-a-storage`),
    after: async () => {
      expect(await docker(['ps', '-a', '-q', '--filter', `label=pctl-stack=${V}`])).toBe('');
      expect(await volumeFile(`${V}-a-storage`)).toBe('precious');
    },
    cleanup: async () => {
      await removeStack(V);
      await quietly(['volume', 'rm', `${V}-a-storage`]);
    },
  },
  {
    name: 'destroy of a state entry naming an unlabelled user volume leaves the volume and its data',
    files: {
      'pctl.yaml': yaml(D, '    volumes: [{ path: /data }]\n'),
      [`pctl.${D}.json`]: state(D, { volumes: [`${D}-a-storage`] }),
    },
    argv: ['destroy'],
    exit: 0,
    before: () => userVolume(`${D}-a-storage`),
    after: async () => expect(await volumeFile(`${D}-a-storage`)).toBe('precious'),
    cleanup: () => quietly(['volume', 'rm', `${D}-a-storage`]),
  },
  {
    name: "destroy of a state entry recording a user's volume as the original's (adopted) leaves it: no container of the service mounts it",
    files: {
      'pctl.yaml': yaml(A, '    volumes: [{ path: /data }]\n'),
      [`pctl.${A}.json`]: state(A, { volumes: [`${A}-a-storage`], adoptedVolumes: [`${A}-a-storage`] }),
    },
    argv: ['destroy'],
    exit: 0,
    before: () => userVolume(`${A}-a-storage`),
    after: async () => expect(await volumeFile(`${A}-a-storage`)).toBe('precious'),
    cleanup: () => quietly(['volume', 'rm', `${A}-a-storage`]),
  },
  {
    name: "destroy of a state entry naming the user's own network (no pctl label) leaves the network",
    files: { 'pctl.yaml': yaml(N), [`pctl.${N}.json`]: state(N, { network: `${N}-usernet` }) },
    argv: ['destroy'],
    exit: 0,
    before: () => docker(['network', 'create', `${N}-usernet`]),
    after: async () => expect(await exists('network', `${N}-usernet`)).toBe(true),
    cleanup: () => quietly(['network', 'rm', `${N}-usernet`]),
  },
  {
    name: "destroy of a state entry naming another stack's network leaves that network",
    files: { 'pctl.yaml': yaml(O), [`pctl.${O}.json`]: state(O, { network: `pctl-${O}x` }) },
    argv: ['destroy'],
    exit: 0,
    before: () =>
      docker(['network', 'create', '--label', 'managed-by=pctl', '--label', `pctl-stack=${O}x`, `pctl-${O}x`]),
    after: async () => expect(await exists('network', `pctl-${O}x`)).toBe(true),
    cleanup: () => quietly(['network', 'rm', `pctl-${O}x`]),
  },
  {
    name: "destroy keeps the stack's own network while a user's container is attached to it (exit 0)",
    files: { 'pctl.yaml': yaml(U), [`pctl.${U}.json`]: state(U, {}) },
    argv: ['destroy'],
    exit: 0,
    before: async () => {
      await docker(['network', 'create', '--label', 'managed-by=pctl', '--label', `pctl-stack=${U}`, `pctl-${U}`]);
      await docker(['run', '-d', '--name', `${U}-users`, '--network', `pctl-${U}`, 'busybox:latest', 'sleep', '3600']);
    },
    after: async () => {
      expect(await exists('network', `pctl-${U}`)).toBe(true);
      expect(await docker(['inspect', '--format', '{{.State.Running}}', `${U}-users`])).toBe('true');
    },
    cleanup: async () => {
      await quietly(['rm', '-f', `${U}-users`]);
      await quietly(['network', 'rm', `pctl-${U}`]);
    },
  },
  {
    name: 'destroy of a state entry keyed "" (an old recover) takes nothing: a container without pctl-service stays',
    files: { 'pctl.yaml': yaml(K), [`pctl.${K}.json`]: state(K, {}, '') },
    argv: ['destroy'],
    exit: 2,
    stderr: new RegExp(`state entry "" is not <stack>-<service> for stack ${K}: pctl removes nothing for it`),
    before: () => halfLabelled(K, `${K}-user`),
    after: async () => expect(await exists('container', `${K}-user`)).toBe(true),
    cleanup: () => quietly(['rm', '-f', `${K}-user`]),
  },
  {
    name: 'state recover takes no container with a missing or foreign pctl-service label',
    files: { 'pctl.yaml': yaml(R) },
    argv: ['state', 'recover', '--yes'],
    exit: 0,
    before: async () => {
      await halfLabelled(R, `${R}-user`);
      await halfLabelled(R, `${R}-other`, ['--label', 'pctl-service=elsewhere-a']);
    },
    after: (dir) => {
      const file = path.join(dir, `pctl.${R}.json`);
      const recovered = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
      expect(Object.keys(recovered)).toEqual([]);
    },
    cleanup: () => quietly(['rm', '-f', `${R}-user`, `${R}-other`]),
  },
  {
    name: "destroy of a state entry claiming a user's image as built by pctl leaves the image (no pctl label on it)",
    files: { 'pctl.yaml': yaml(I), [`pctl.${I}.json`]: state(I, { image: `${I}-userimg:1`, builtByPctl: true }) },
    argv: ['destroy'],
    exit: 0,
    before: () => docker(['tag', 'busybox:latest', `${I}-userimg:1`]),
    after: async () => expect(await exists('image', `${I}-userimg:1`)).toBe(true),
    cleanup: () => quietly(['rmi', `${I}-userimg:1`]),
  },
  {
    name: "a deploy replacing a state entry's image claimed as built by pctl leaves that image (a user's, no pctl label)",
    files: {
      'pctl.yaml': yaml(J),
      [`pctl.${J}.json`]: state(J, { image: `${J}-userimg:1`, builtByPctl: true, fingerprint: 'x' }),
    },
    argv: ['deploy'],
    exit: 0,
    before: () => docker(['tag', 'busybox:latest', `${J}-userimg:1`]),
    after: async () => expect(await exists('image', `${J}-userimg:1`)).toBe(true),
    cleanup: async () => {
      await removeStack(J);
      await quietly(['rmi', `${J}-userimg:1`]);
    },
  },
];
