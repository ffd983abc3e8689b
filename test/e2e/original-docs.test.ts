// Stack files in the original pctl's documented forms, one per form its format text
// (/work/shared/reference/pctl-config-format.md) describes: every top-level field, every
// service field in each of its shapes, each provider's options, resolvers (built in, nested,
// repeated, whole-string values, fallbacks, a custom resolver class), plugins, and the CLI's
// -c and --name. Each passes `validate` and `plan`, and for Kubernetes providers `render`,
// unchanged, with no cloud account, cluster or network (look-ups that need AWS have a
// fallback, as the documentation's runnable examples do). The Docker ones also deploy.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctl, tempDir, writeTree } from '../helpers/cli.js';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { validateObjects } from '../helpers/kube-schemas.js';

const DOCKERFILE = 'FROM busybox:latest\nCMD ["sleep", "3600"]\n';
const aws = (extra = '') => `    provider:
      name: aws
      options:
        cluster: prod
        namespace: shop
${extra}`;
const gcp = (extra = '') => `    provider:
      name: gcp
      options:
        project: my-project
        zone: europe-west1-b
        cluster: prod
        namespace: shop
${extra}`;

// name -> [stack file, whether it deploys on the local Docker engine]
const DOCS: Record<string, [string, boolean]> = {
  'docker-image.yaml': [
    `name: hello
services:
  web:
    image: busybox:latest
    command: httpd -f -p 80 -h /
    ports: ["18651:80"]
    provider:
      name: docker
`,
    true,
  ],
  'docker-build.yaml': [
    `name: build
services:
  api:
    image: ./Dockerfile
    command: sleep 3600
    env:
      NODE_ENV: production
      PORT: "3000"
    ports: [3000]
    provider:
      name: docker
`,
    true,
  ],
  'docker-scale.yaml': [
    `name: scaled
services:
  worker:
    image: busybox:latest
    command: sleep 3600
    scale:
      replica: 2
      cpu: 250m
      memory: 64Mi
    provider:
      name: docker
`,
    true,
  ],
  'docker-autoscale.yaml': [
    `name: ranged
services:
  worker:
    image: busybox:latest
    command: sleep 3600
    scale:
      replica: [1, 3]
    provider:
      name: docker
`,
    true,
  ],
  'docker-health.yaml': [
    `name: healthy
services:
  web:
    image: busybox:latest
    command: sleep 3600
    health:
      interval: 5
      command: "true"
      retries: 3
      onfailure: restart
  batch:
    image: busybox:latest
    command: sleep 3600
    health:
      interval: 5
      command: "true"
      onfailure: stop
    provider:
      name: docker
`.replace('      onfailure: restart\n', '      onfailure: restart\n    provider:\n      name: docker\n'),
    true,
  ],
  'docker-volumes.yaml': [
    `name: stateful
services:
  db:
    image: busybox:latest
    command: sleep 3600
    volumes:
      - path: /data
      - path: /logs
    provider:
      name: docker
`,
    true,
  ],
  'docker-remote.yaml': [
    `name: remote
services:
  web:
    image: nginx:1.25
    ports: ["80:80"]
    provider:
      name: docker
      options:
        host: deploy.example.com
        user: ubuntu
        key: ~/.ssh/id_ed25519
        sudo: true
`,
    false,
  ],
  'registry-login.yaml': [
    `name: pushed
services:
  api:
    image: ./Dockerfile
    registry:
      url: ghcr.io/acme/api
      username: \${env:REGISTRY_USER, acme-bot}
      password: \${env:REGISTRY_TOKEN, not-a-real-token}
    provider:
      name: docker
      options:
        host: build.example.com
`,
    false,
  ],
  'registry-url.yaml': [
    `name: mirrored
services:
  web:
    image: ./Dockerfile
    registry: ghcr.io/acme/web
    provider:
      name: docker
      options:
        host: build.example.com
`,
    false,
  ],
  'resolvers.yaml': [
    `name: resolved
custom:
  region: eu-west-1
  replicas: 2
  tier: \${env:TIER, standard}
  settings:
    level: debug
services:
  api:
    image: busybox:latest
    command: sleep 3600
    scale:
      replica: \${self:custom.replicas}
    env:
      REGION: \${self:custom.region}
      TIER: \${self:custom.tier}
      LEVEL: \${self:custom.settings.level}
      GREETING: \${env:GREETING, hello}
      NESTED: \${env:MISSING_ONE, \${env:MISSING_TWO, deep-default}}
      REPEATED: \${self:custom.region}-\${self:custom.tier}-\${env:MISSING_THREE, x}
    provider:
      name: docker
`,
    true,
  ],
  'ssm-cfn-lookups.yaml': [
    `name: looked
services:
  api:
    image: busybox:latest
    command: sleep 3600
    env:
      DB_HOST: \${ssm:/shop/db-host, localhost}
      DB_PASSWORD: \${ssm:/shop/db-password, dev-password}
      VPC: \${cfn:network.VpcId, vpc-local}
      BUCKET: \${cfn:shared-bucket, local-bucket}
    provider:
      name: docker
`,
    true,
  ],
  'custom-resolver.yaml': [
    `name: vaulted
resolver:
  - ./resolvers/vault.mjs
services:
  api:
    image: busybox:latest
    command: sleep 3600
    env:
      DB_PASSWORD: \${vault:db/password}
      API_KEY: \${vault:missing/key, fallback-key}
    provider:
      name: docker
`,
    true,
  ],
  'plugin.yaml': [
    `name: plugged
plugin:
  - ./plugins/defaults.mjs
services:
  api:
    image: busybox:latest
    command: sleep 3600
    provider:
      name: docker
`,
    true,
  ],
  'aws-minimal.yaml': [
    `name: my-app
services:
  api:
    image: ./Dockerfile
    ports: [3000]
${aws()}`,
    false,
  ],
  'aws-full.yaml': [
    `name: store
services:
  api:
    image: ./Dockerfile
    command: node server.js
    env:
      LOG_LEVEL: info
    ports: ["80:3000"]
    scale:
      replica: [2, 10]
      cpu: 500m
      memory: 512Mi
    health:
      interval: 10
      command: wget -q -O- localhost:3000/health
      retries: 5
      onfailure: restart
    volumes:
      - path: /var/cache/app
${aws(`        credentials:
          region: eu-west-1
          access_key_id: \${env:AWS_KEY, AKIAEXAMPLE000000000}
          secret_access_key: \${env:AWS_SECRET, example-secret}
        strategy: Recreate
        serviceAccount: store-api
        rbac:
          - resources: [configmaps, secrets]
            verbs: [get, list, watch]
        storage:
          size: 20Gi
`)}`,
    false,
  ],
  'aws-session.yaml': [
    `name: temp
services:
  job:
    image: busybox:latest
    command: sleep 3600
${aws(`        credentials:
          region: us-east-1
          access_key_id: \${env:AWS_ACCESS_KEY_ID, ASIAEXAMPLE000000000}
          secret_access_key: \${env:AWS_SECRET_ACCESS_KEY, example-secret}
          session_token: \${env:AWS_SESSION_TOKEN, example-session-token}
        strategy: RollingUpdate
`)}`,
    false,
  ],
  'gcp-minimal.yaml': [
    `name: gshop
services:
  web:
    image: ./Dockerfile
    ports: [8080]
${gcp()}`,
    false,
  ],
  'gcp-full.yaml': [
    `name: gstore
services:
  api:
    image: ./Dockerfile
    ports: [8080]
    scale:
      replica: [1, 4]
      cpu: "1"
      memory: 1Gi
    health:
      interval: 15
      command: "true"
      onfailure: stop
    volumes:
      - path: /data
${gcp(`        strategy: Recreate
        serviceAccount: gstore-runtime
        rbac:
          - resources: [pods]
            verbs: [get, list]
        storage:
          size: 50Gi
`)}`,
    false,
  ],
  'gcp-filestore.yaml': [
    `name: gmedia
services:
  media:
    image: busybox:latest
    command: sleep 3600
    volumes:
      - path: /media
${gcp(`        storage:
          name: filestore
          id: media-share
`)}`,
    false,
  ],
  'two-providers.yaml': [
    `name: hybrid
services:
  api:
    image: ./Dockerfile
    ports: [3000]
${aws()}  cache:
    image: busybox:latest
    command: sleep 3600
    provider:
      name: docker
`,
    false,
  ],
};

const RESOLVER = `export default class Vault {
  constructor(parsed) {
    this.stack = parsed.name;
    return function vault(key, fallback) {
      const known = { 'db/password': 'from-the-vault' };
      return known[key] ?? fallback;
    };
  }
}
`;
const PLUGIN = `export default async function defaults(parsed) {
  for (const s of Object.values(parsed.services)) s.env = { LOG_FORMAT: 'json', ...s.env };
}
`;

let tmp: ReturnType<typeof tempDir>;
// No AWS account, no Google credentials, no kubeconfig: none of these commands needs one.
const env = () => ({
  KUBECONFIG: path.join(tmp.dir, 'none'),
  AWS_CONFIG_FILE: path.join(tmp.dir, 'none'),
  AWS_SHARED_CREDENTIALS_FILE: path.join(tmp.dir, 'none'),
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_REGION: undefined,
  AWS_PROFILE: undefined,
  AWS_EC2_METADATA_DISABLED: 'true',
  GOOGLE_APPLICATION_CREDENTIALS: path.join(tmp.dir, 'none'),
});

beforeAll(() => {
  tmp = tempDir('pctl-docs-');
  writeTree(tmp.dir, {
    Dockerfile: DOCKERFILE,
    'resolvers/vault.mjs': RESOLVER,
    'plugins/defaults.mjs': PLUGIN,
    ...Object.fromEntries(Object.entries(DOCS).map(([f, [y]]) => [f, y])),
  });
});
afterAll(async () => {
  for (const [f, [, deploys]] of Object.entries(DOCS))
    if (deploys) await pctl(['destroy', '-c', f], { cwd: tmp.dir, env: env() });
  for (const stack of [
    'hello',
    'build',
    'scaled',
    'ranged',
    'healthy',
    'stateful',
    'resolved',
    'looked',
    'vaulted',
    'plugged',
  ])
    await removeStack(stack);
  tmp.cleanup();
}, 300_000);

describe("the original pctl's documented stack file forms", () => {
  for (const [file, [, deploys]] of Object.entries(DOCS)) {
    it(`${file}: validate, plan${/aws|gcp|hybrid/.test(file) ? ', render' : ''}${deploys ? ', deploy on the Docker engine' : ''}, unchanged`, async () => {
      for (const verb of ['validate', 'plan']) {
        const r = await pctl([verb, '-c', file], { cwd: tmp.dir, env: env() });
        expect(r.stderr, `${verb} ${file}`).toBe('');
        expect(r.exitCode).toBe(0);
      }
      if (/aws|gcp|two-providers/.test(file)) {
        const r = await pctl(['render', '--json', '-c', file], { cwd: tmp.dir, env: env() });
        expect(r.exitCode, r.stderr).toBe(0);
        const rendered = JSON.parse(r.stdout).rendered as { provider: string; objects: { kind: string }[] }[];
        const kube = rendered.filter((x) => x.provider === 'aws' || x.provider === 'gcp');
        expect(kube.length).toBeGreaterThan(0);
        for (const x of kube) {
          validateObjects(x.objects as never);
          expect(x.objects.map((o) => o.kind)).toContain('Deployment');
        }
      }
      if (deploys) {
        await requireDocker();
        const r = await pctl(['deploy', '--json', '-c', file], { cwd: tmp.dir, env: env() });
        if (r.exitCode !== 0) console.error(r.stderr);
        expect(r.exitCode).toBe(0);
        expect(JSON.parse(r.stdout).services.every((s: { result: string }) => s.result === 'deployed')).toBe(true);
      }
    });
  }

  it('resolves as documented: whole-string values keep their type, nested and repeated references, fallbacks, a custom resolver, a plugin', async () => {
    const status = await pctl(['status', '--json', '-c', 'resolvers.yaml'], { cwd: tmp.dir, env: env() });
    expect(status.exitCode, status.stderr).toBe(0);
    const inspect = async (name: string) =>
      JSON.parse(await execDocker(['inspect', '--', name])) as { Config: { Env: string[] } }[];
    const envOf = async (container: string) =>
      Object.fromEntries(
        (await inspect(container))[0]!.Config.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
      );
    const api = await envOf('resolved-api-1');
    expect(api).toMatchObject({
      REGION: 'eu-west-1',
      TIER: 'standard',
      LEVEL: 'debug',
      GREETING: 'hello',
      NESTED: 'deep-default',
      REPEATED: 'eu-west-1-standard-x',
    });
    expect(await envOf('resolved-api-2')).toMatchObject({ REGION: 'eu-west-1' });
    expect(await envOf('looked-api')).toMatchObject({
      DB_HOST: 'localhost',
      DB_PASSWORD: 'dev-password',
      VPC: 'vpc-local',
      BUCKET: 'local-bucket',
    });
    expect(await envOf('vaulted-api')).toMatchObject({ DB_PASSWORD: 'from-the-vault', API_KEY: 'fallback-key' });
    expect(await envOf('plugged-api')).toMatchObject({ LOG_FORMAT: 'json' });
  });

  it('-c and --name: one file, two environments, two state files', async () => {
    for (const name of ['docs-staging', 'docs-prod']) {
      const r = await pctl(['plan', '--json', '-c', 'docker-image.yaml', '--name', name], { cwd: tmp.dir, env: env() });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).services.map((s: { key: string }) => s.key)).toEqual([`${name}-web`]);
    }
  });
});

async function execDocker(args: string[]): Promise<string> {
  const { execa } = await import('execa');
  return (await execa('docker', args)).stdout;
}
