// One stack file, three environments: `dev` deployed on the real Docker engine (an included
// service built from its own folder), `staging` on kind validated, and `prod` deployed on aws
// (the AWS fake, EKS on the Kubernetes API test server, a real registry as ECR) from the same
// file; each environment its own stack and state; plan --exit-code for CI.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsWorld, type AwsWorld } from '../helpers/awsWorld.js';
import { docker, labelled, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'ev-envs';
const DEV = `${STACK}-dev`;
const stack = useStack({
  prefix: 'pctl-ev-',
  files: {
    '.git/HEAD': 'ref: refs/heads/main\n',
    'pctl.yaml': `name: ${STACK}
include:
  - ./services/api.yaml
custom:
  mode: base
services:
  web:
    image: busybox:latest
    command: sleep 3600
    env:
      MODE: \${self:custom.mode}
    provider:
      name: docker
environments:
  dev:
    custom:
      mode: dev
  staging:
    services:
      web: { provider: { name: kind, options: { cluster: ev-staging, namespace: shop } } }
      api: { provider: { name: kind, options: { cluster: ev-staging, namespace: shop } } }
  prod:
    name: ev-production
    custom:
      mode: prod
    services:
      web:
        scale: { replica: 3 }
        provider: { name: aws, options: { cluster: prod, namespace: shop, region: eu-west-1 } }
      api:
        provider:
          name: aws
          options: { cluster: prod, namespace: shop, region: eu-west-1, registryHost: "\${env:EV_REGISTRY_HOST, 127.0.0.1:5000}" }
`,
    'services/api.yaml': `services:
  api:
    image: ./api
    env:
      GREETING: \${file:greeting.txt}
      MODE: \${self:custom.mode}
    provider:
      name: docker
`,
    'services/greeting.txt': 'hello from the api folder\n',
    'services/api/Dockerfile': 'FROM busybox:latest\nCOPY msg.txt /msg.txt\nCMD ["sleep", "3600"]\n',
    'services/api/msg.txt': 'built from services/api\n',
  },
});
const envOf = async (container: string) =>
  JSON.parse(await docker(['inspect', '--format', '{{json .Config.Env}}', container])) as string[];
const results = (stdout: string) =>
  Object.fromEntries(JSON.parse(stdout).services.map((s: { key: string; result: string }) => [s.key, s.result]));

beforeAll(requireDocker);
afterAll(async () => {
  await removeStack(DEV);
});

describe('environments from one stack file', () => {
  it('validates every environment, each on its own provider', async () => {
    const r = await stack.pctl(['validate', '--env', 'all', '--json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).environments).toEqual([
      { environment: 'dev', stack: DEV, serviceNames: ['web', 'api'] },
      { environment: 'staging', stack: `${STACK}-staging`, serviceNames: ['web', 'api'] },
      { environment: 'prod', stack: 'ev-production', serviceNames: ['web', 'api'] },
    ]);
  });

  it('deploys dev on Docker as its own stack: the included service built from its own folder, ${self:} seeing dev', async () => {
    const r = await stack.pctl(['deploy', '--env', 'dev', '--json']);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${DEV}-api`]: 'deployed', [`${DEV}-web`]: 'deployed' });
    expect(await labelled('container', DEV)).toEqual([`${DEV}-api`, `${DEV}-web`]);
    expect(await envOf(`${DEV}-web`)).toContain('MODE=dev');
    expect(await envOf(`${DEV}-api`)).toEqual(
      expect.arrayContaining(['MODE=dev', 'GREETING=hello from the api folder']),
    );
    expect(await docker(['exec', `${DEV}-api`, 'cat', '/msg.txt'])).toBe('built from services/api');
    // Its own state; the base stack and the other environments have none.
    expect(Object.keys(JSON.parse(readFileSync(stack.path(`pctl.${DEV}.json`), 'utf8'))).sort()).toEqual([
      `${DEV}-api`,
      `${DEV}-web`,
    ]);
    expect(existsSync(stack.path(`pctl.${STACK}.json`))).toBe(false);
    expect(await labelled('container', STACK)).toEqual([]);
  });

  it('plan --exit-code is 0 with nothing to change, from PCTL_ENV too', async () => {
    const flag = await stack.pctl(['plan', '--env', 'dev', '--exit-code']);
    expect(flag.exitCode).toBe(0);
    expect(flag.stdout).toMatch(new RegExp(`unchanged\\s+${DEV}-api`));
    const variable = await stack.pctl(['plan', '--exit-code'], { env: { PCTL_ENV: 'dev' } });
    expect(variable.exitCode).toBe(0);
  });

  it('plan --exit-code is 2 when the environment changes something, and the base stack plans apart', async () => {
    const yaml = stack.read('pctl.yaml');
    stack.write({ 'pctl.yaml': yaml.replace('      mode: dev\n', '      mode: dev2\n') });
    try {
      const r = await stack.pctl(['plan', '--env', 'dev', '--exit-code', '--json']);
      expect(r.exitCode).toBe(2);
      expect(results(r.stdout)).toEqual({ [`${DEV}-api`]: 'planned', [`${DEV}-web`]: 'planned' });
      expect(JSON.parse(r.stdout).services.map((s: { action: string }) => s.action)).toEqual(['update', 'update']);
      // The base stack is another stack: everything in it would be created.
      const base = await stack.pctl(['plan', '--json']);
      expect(
        JSON.parse(base.stdout)
          .services.map((s: { key: string; action: string }) => `${s.key} ${s.action}`)
          .sort(),
      ).toEqual([`${STACK}-api create`, `${STACK}-web create`]);
    } finally {
      stack.write({ 'pctl.yaml': yaml });
    }
  });

  it("reports a prod mistake at the environment's line, while dev stays valid", async () => {
    const yaml = stack.read('pctl.yaml');
    stack.write({
      'pctl.yaml': yaml.replace('region: eu-west-1 } }\n      api:', 'region: eu-west-1, nodes: 3 } }\n      api:'),
    });
    try {
      const r = await stack.pctl(['validate', '--env', 'all']);
      expect(r.exitCode).toBe(2);
      const line = yaml.split('\n').findIndex((l) => l.includes('provider: { name: aws') && l.includes('region')) + 1;
      expect(r.stderr).toMatch(
        new RegExp(`pctl\\.yaml:${line} \\[env prod\\] services\\.web\\.provider\\.options.*nodes`),
      );
      expect((await stack.pctl(['validate', '--env', 'dev'])).exitCode).toBe(0);
    } finally {
      stack.write({ 'pctl.yaml': yaml });
    }
  });

  it('destroys dev, leaving its state file with every entry destroyed', async () => {
    const r = await stack.pctl(['destroy'], { env: { PCTL_ENV: 'dev' } });
    expect(r.exitCode).toBe(0);
    expect(await labelled('container', DEV)).toEqual([]);
    const st = JSON.parse(readFileSync(stack.path(`pctl.${DEV}.json`), 'utf8'));
    expect(Object.values(st).every((e) => (e as { destroyed?: boolean }).destroyed)).toBe(true);
  });
});

describe('the same file as prod on aws', () => {
  const PROD = 'ev-production';
  let world: AwsWorld | undefined;
  let env: Record<string, string>;
  beforeAll(async () => {
    world = await startAwsWorld({
      accountId: '112358132134',
      region: 'eu-west-1',
      cluster: 'prod',
      credentials: [{ accessKeyId: 'AKIAPCTLEVENVIRONS01', secretAccessKey: 'pctl-e2e/environments+Key000000000001' }],
      registryPassword: 'ev-registry-password-3c9d',
    });
    env = { ...world.env, AWS_REGION: 'eu-west-1', EV_REGISTRY_HOST: world.registryHost };
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
    // The api image prod built and pushed is labelled with its stack.
    await removeStack(PROD);
  }, 60_000);

  it('deploys prod to EKS: both services on aws, the included one built and pushed, ${self:} seeing prod', async () => {
    const r = await stack.pctl(['deploy', '--env', 'prod', '--json'], { env });
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${PROD}-api`]: 'deployed', [`${PROD}-web`]: 'deployed' });
    type Deployment = {
      spec: {
        replicas?: number;
        template: { spec: { containers: { image: string; env?: { name: string; value?: string }[] }[] } };
      };
    };
    const deployment = (name: string) =>
      world!.kube.get('Deployment', 'shop', `${PROD}-${name}`) as unknown as Deployment;
    expect(deployment('web').spec.replicas).toBe(3);
    expect(deployment('web').spec.template.spec.containers[0]!.env).toEqual(
      expect.arrayContaining([{ name: 'MODE', value: 'prod' }]),
    );
    expect(deployment('api').spec.template.spec.containers[0]!.image).toMatch(
      new RegExp(`^${world!.registryHost.replace(/[.]/g, '\\.')}/${PROD}-api:[0-9a-f]{12}$`),
    );
    // prod's own state; dev's stack on Docker is another one.
    expect(Object.keys(JSON.parse(readFileSync(stack.path(`pctl.${PROD}.json`), 'utf8'))).sort()).toEqual([
      `${PROD}-api`,
      `${PROD}-web`,
    ]);
    expect(await labelled('container', PROD)).toEqual([]);
    const again = await stack.pctl(['plan', '--exit-code'], { env: { ...env, PCTL_ENV: 'prod' } });
    expect(again.exitCode, again.stderr).toBe(0);
  });
});
