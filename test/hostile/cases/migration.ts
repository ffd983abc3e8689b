// The original pctl's own documented stack files, which must pass unchanged (a Filestore
// address as its id, one container port behind two service ports, aws credentials without
// keys), the near misses that must still be refused, and a custom provider module whose
// name is not the key it is registered under (refused at load, before anything runs).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { HostileCase } from '../case.js';

// No cloud account, cluster or configuration of the machine's user reaches these runs.
const NO_CLOUD = {
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  AWS_EC2_METADATA_DISABLED: 'true',
  GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent',
  KUBECONFIG: '/nonexistent',
};
const VALID = /valid \(stack \w+, 1 service\)/;

const docker = (ports: string) =>
  `name: mig\nservices:\n  api:\n    image: busybox:latest\n    ports: ${ports}\n    provider: { name: docker }\n`;
const gcp = (storage: string) => `name: gmedia
services:
  media:
    image: busybox:latest
    command: sleep 3600
    volumes:
      - path: /media
    provider:
      name: gcp
      options:
        project: my-project
        zone: europe-west1-b
        cluster: prod
        namespace: shop
        storage:
${storage}`;
const aws = (credentials: string) => `name: store
services:
  api:
    image: busybox:latest
    ports: [3000, "8080:3000"]
    provider:
      name: aws
      options:
        cluster: prod
        namespace: shop
        credentials:
${credentials}`;

// A custom provider registered as `custom` whose module calls itself `name`; its deploy leaves a mark.
const stack =
  'name: hp\nproviders: { custom: ./p.mjs }\nservices:\n  a:\n    image: busybox:latest\n    provider: { name: custom }\n';
const named = (name: string) =>
  `import { writeFileSync } from 'node:fs';\nexport default { apiVersion: 1, ${name} async deploy() { writeFileSync('deployed', 'x'); return { provider: 'custom' }; }, async destroy() { writeFileSync('destroyed', 'x'); } };\n`;
const deployed = JSON.stringify({
  'hp-a': {
    provider: 'custom',
    labels: { 'managed-by': 'pctl', 'pctl-stack': 'hp', 'pctl-service': 'hp-a' },
    image: 'busybox:latest',
  },
});
const MISMATCH =
  /error: pctl\.yaml:2 providers\.custom: provider custom \(\.\/p\.mjs\): the module's name is "other", not "custom", the key it is registered under \(set name: 'custom' in \.\/p\.mjs, or register it as providers\.other and write provider: \{ name: other \} in its services\)/;
const nothingRan = (dir: string) => {
  expect(existsSync(path.join(dir, 'deployed'))).toBe(false);
  expect(existsSync(path.join(dir, 'destroyed'))).toBe(false);
  expect(readdirSync(dir).filter((f) => f.startsWith('pctl.hp.json'))).toEqual([]);
};

const ports: HostileCase[] = [
  {
    name: 'ports [3000, "8080:3000"] (the original\'s full-options example) is valid: two service ports, one container port',
    files: { 'pctl.yaml': docker('[3000, "8080:3000"]') },
    argv: ['validate'],
    exit: 0,
    stdout: VALID,
  },
  {
    name: 'one container port behind a random host port and a fixed one is valid',
    files: { 'pctl.yaml': docker('["127.0.0.1::3000", "127.0.0.1:8080:3000"]') },
    argv: ['plan'],
    exit: 0,
  },
  {
    name: 'the same mapping listed twice is still a duplicate',
    files: { 'pctl.yaml': docker('["8080:3000", "8080:3000"]') },
    argv: ['validate'],
    exit: 2,
    stderr:
      /error: pctl\.yaml:5 services\.api\.ports\.1: container port 3000\/tcp is already listed \(entry 0\) with the same host port; list each mapping once/,
  },
  {
    name: 'two random host ports for one container port on one address are a duplicate',
    files: { 'pctl.yaml': docker('["127.0.0.1::3000", "127.0.0.1::3000"]') },
    argv: ['validate'],
    exit: 2,
    stderr: /services\.api\.ports\.1: container port 3000\/tcp is already listed \(entry 0\)/,
  },
  {
    name: 'two mappings of one host port are still refused',
    files: { 'pctl.yaml': docker('["8080:3000", "8080:3001"]') },
    argv: ['validate'],
    exit: 2,
    stderr: /error: pctl\.yaml:5 services\.api\.ports\.1: host port 8080\/tcp is already published \(entry 0\)/,
  },
  {
    name: 'a bare port and a mapping of that host port clash',
    files: { 'pctl.yaml': docker('[8080, "8080:3000"]') },
    argv: ['validate'],
    exit: 2,
    stderr: /services\.api\.ports\.1: host port 8080\/tcp is already published \(entry 0\)/,
  },
];

const filestore: HostileCase[] = [
  {
    name: "gcp storage { name: filestore, id: 10.0.1.5 } (the original's docs: the id is the instance's address) is valid",
    files: { 'pctl.yaml': gcp('          name: filestore\n          id: 10.0.1.5\n') },
    env: NO_CLOUD,
    argv: ['validate'],
    exit: 0,
    stdout: VALID,
  },
  {
    name: 'gcp Filestore by address renders an NFS volume at <id>:/vol1, asking no API',
    files: { 'pctl.yaml': gcp('          name: filestore\n          id: 10.0.1.5\n') },
    env: { ...NO_CLOUD, CLOUDSDK_API_ENDPOINT_OVERRIDES_FILE: 'http://127.0.0.1:9/' },
    argv: ['render', '--json'],
    exit: 0,
    stdout: /"kind":"PersistentVolume".*"nfs":\{"server":"10\.0\.1\.5","path":"\/vol1"\}/,
  },
  {
    name: 'gcp Filestore by address with its share mounts that share',
    files: { 'pctl.yaml': gcp('          name: filestore\n          id: 10.0.1.5\n          share: media\n') },
    env: NO_CLOUD,
    argv: ['render', '--json'],
    exit: 0,
    stdout: /"nfs":\{"server":"10\.0\.1\.5","path":"\/media"\}/,
  },
  {
    name: 'gcp Filestore by address with another ip is refused at ip',
    files: { 'pctl.yaml': gcp('          name: filestore\n          id: 10.0.1.5\n          ip: 10.0.1.6\n') },
    env: NO_CLOUD,
    argv: ['validate'],
    exit: 2,
    stderr:
      /error: pctl\.yaml:\d+ services\.media\.provider\.options\.storage\.ip: the id is already the instance's address: leave ip out, or give the instance's name as id/,
  },
  {
    name: 'gcp Filestore id that is no address and no instance is refused',
    files: { 'pctl.yaml': gcp('          name: filestore\n          id: 10.0.1.256\n') },
    env: NO_CLOUD,
    argv: ['validate'],
    exit: 2,
    stderr: /services\.media\.provider\.options\.storage\.id: expected the instance's IPv4 address, an instance name/,
  },
  {
    name: 'a Filestore address on aws is still refused (only gcp deploys Filestore)',
    files: {
      'pctl.yaml': aws('          region: eu-west-1\n')
        .replace('ports: [3000, "8080:3000"]', 'volumes: [{ path: /data }]')
        .replace(
          '        credentials:\n          region: eu-west-1\n',
          '        storage: { name: filestore, id: 10.0.1.5 }\n',
        ),
    },
    env: NO_CLOUD,
    argv: ['validate'],
    exit: 2,
    stderr:
      /services\.api\.provider\.options\.storage\.name: filestore is Google Filestore storage: only the gcp provider deploys it/,
  },
];

const credentials: HostileCase[] = [
  {
    name: "aws credentials { region: eu-west-1 } without keys (the original's docs mark them optional) is valid",
    files: { 'pctl.yaml': aws('          region: eu-west-1\n') },
    env: NO_CLOUD,
    argv: ['validate'],
    exit: 0,
    stdout: VALID,
  },
  {
    name: 'aws credentials with only a region plans and renders with no AWS account',
    files: { 'pctl.yaml': aws('          region: eu-west-1\n') },
    env: NO_CLOUD,
    argv: ['render', '--json'],
    exit: 0,
    stdout:
      /"ports":\[\{"name":"p-3000","port":3000,"targetPort":3000,"protocol":"TCP"\},\{"name":"p-8080","port":8080,"targetPort":3000,"protocol":"TCP"\}\]/,
  },
  {
    name: 'an empty aws credentials block is the SDK chain, as no block is',
    files: { 'pctl.yaml': aws('          {}\n').replace('credentials:\n          {}', 'credentials: {}') },
    env: NO_CLOUD,
    argv: ['validate'],
    exit: 0,
    stdout: VALID,
  },
  {
    name: 'aws credentials with only a key id (the secret from the chain) is valid',
    files: { 'pctl.yaml': aws('          access_key_id: AKIAEXAMPLE000000000\n') },
    env: NO_CLOUD,
    argv: ['plan'],
    exit: 0,
  },
  {
    name: 'aws credentials with an empty key id is refused at that key',
    files: { 'pctl.yaml': aws('          region: eu-west-1\n          access_key_id: ""\n') },
    env: NO_CLOUD,
    argv: ['validate'],
    exit: 2,
    stderr: /error: pctl\.yaml:\d+ services\.api\.provider\.options\.credentials\.access_key_id: /,
  },
  {
    name: 'aws credentials with an unknown key is refused, naming it',
    files: { 'pctl.yaml': aws('          region: eu-west-1\n          secret_key: x\n') },
    env: NO_CLOUD,
    argv: ['validate'],
    exit: 2,
    stderr: /services\.api\.provider\.options\.credentials\.secret_key: unknown option "secret_key"/,
  },
];

const providerName: HostileCase[] = [
  {
    name: 'a custom provider whose name differs from its key is refused by validate, naming the file, the key, the name and the fix',
    files: { 'pctl.yaml': stack, 'p.mjs': named("name: 'other',") },
    argv: ['validate'],
    exit: 2,
    stderr: MISMATCH,
  },
  {
    name: 'a custom provider whose name differs from its key deploys nothing and writes no state',
    files: { 'pctl.yaml': stack, 'p.mjs': named("name: 'other',") },
    argv: ['deploy'],
    exit: 2,
    stderr: MISMATCH,
    after: nothingRan,
  },
  {
    name: 'a custom provider whose name differs from its key, under --json: one document naming it',
    files: { 'pctl.yaml': stack, 'p.mjs': named("name: 'other',") },
    argv: ['deploy', '--json'],
    exit: 2,
    stdout:
      /^\{"formatVersion":1,"command":"deploy","ok":false.*"code":"InvalidConfig".*the module's name is \\"other\\", not \\"custom\\"/,
    after: nothingRan,
  },
  {
    name: 'destroy with a custom provider whose name differs from its key keeps the state',
    files: { 'pctl.yaml': stack, 'p.mjs': named("name: 'other',"), 'pctl.hp.json': deployed },
    argv: ['destroy'],
    exit: 2,
    stderr: MISMATCH,
    after: (dir) => expect(existsSync(path.join(dir, 'destroyed'))).toBe(false),
  },
  {
    name: 'a custom provider with no name is refused, with the fix',
    files: { 'pctl.yaml': stack, 'p.mjs': named('') },
    argv: ['validate'],
    exit: 2,
    stderr:
      /providers\.custom: provider custom \(\.\/p\.mjs\): the module has no name \(a string\), and its name must be "custom", the key it is registered under \(set name: 'custom' in \.\/p\.mjs\)/,
  },
  {
    name: 'a custom provider whose name is not a string is refused',
    files: { 'pctl.yaml': stack, 'p.mjs': named('name: 42,') },
    argv: ['validate'],
    exit: 2,
    stderr: /the module has no name \(a string\), and its name must be "custom"/,
  },
  {
    name: 'a custom provider named with control characters is refused, the name escaped',
    files: { 'pctl.yaml': stack, 'p.mjs': named('name: "x\\u001b]0;owned\\u0007",') },
    argv: ['validate'],
    exit: 2,
    stderr: /the module's name is "x\\u001b\]0;owned\\u0007", not "custom".*\(set name: 'custom' in \.\/p\.mjs\)/,
    never: ['\u001b]0;owned'],
  },
  {
    name: 'one module registered under two keys: the key that is not its name is refused',
    files: {
      'pctl.yaml':
        'name: hp\nproviders: { custom: ./p.mjs, second: ./p.mjs }\nservices:\n  a:\n    image: busybox:latest\n    provider: { name: custom }\n  b:\n    image: busybox:latest\n    provider: { name: second }\n',
      'p.mjs': named("name: 'custom',"),
    },
    argv: ['deploy'],
    exit: 2,
    stderr: /providers\.second: provider second \(\.\/p\.mjs\): the module's name is "custom", not "second"/,
    after: nothingRan,
  },
  {
    name: "a bare-function provider (the original's style) has no provider name: its function's name is not compared",
    files: { 'pctl.yaml': stack, 'p.mjs': 'export default async function somethingElse() {}\n' },
    argv: ['validate'],
    exit: 0,
    stdout: VALID,
  },
  {
    name: 'a custom provider whose name is its key is valid',
    files: { 'pctl.yaml': stack, 'p.mjs': named("name: 'custom',") },
    argv: ['validate'],
    exit: 0,
    stdout: VALID,
  },
];

export const cases: HostileCase[] = [...ports, ...filestore, ...credentials, ...providerName];
