// The first deploy after migrating, on Kubernetes (the aws provider: EKS on the Kubernetes API
// test server, ECR on a real docker-registry, the AWS control-plane fake): what the original
// pctl left — images built the way it builds (`docker build -f <Dockerfile> <stack folder>`,
// `pctl-local:<n>`) and pushed as `<registryUrl>:<n>`, Deployments, ServiceAccounts and Services
// named `<stack>-<service>` with its labels, made with `kubectl create`, and its state file,
// whose fingerprints are computed from its Providers API text — is kept without rolling a pod
// when it provably runs what pctl would run, and deployed again, with the reason, when not.
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, awsCliEnv } from '../aws-fake/awsCli.js';
import { pctl, writeTree } from '../helpers/cli.js';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { originalFingerprint, originalKubeObjects } from '../helpers/original.js';
import { startAwsWorld, type AwsWorld } from '../helpers/awsWorld.js';
import type { KubeObject } from '../kube-api-server/index.js';

const STACK = 'kadopt';
const REGION = 'eu-west-1';
const CLUSTER = 'prod';
const NS = 'shop';
const main = { accessKeyId: 'AKIAPCTLE2EADOPT0001', secretAccessKey: 'pctl-e2e/adopt+Key0000000000000000001' };
const PASSWORD = 'ecr-password-adopt-4c1e8a';
const TOKEN = 'resolved-token-kadopt-91b2';
const RUN = `${process.pid}${Date.now().toString(36).slice(-4)}`;
const DOCKERFILE = (svc: string) =>
  `FROM busybox:latest\nCOPY ${svc}/index.html /www/index.html\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n`;

type Service = Record<string, unknown> & {
  image: string;
  command?: string;
  env?: Record<string, string>;
  ports?: string[];
};

let w: AwsWorld;
let dir: string;
const originalTags: Record<string, string> = {};
const localImages: string[] = [];

const options = () => ({
  name: 'aws',
  options: { cluster: CLUSTER, namespace: NS, region: REGION, registryHost: w.registryHost },
});
const services = (): Record<string, Service> => ({
  web: {
    image: './web/Dockerfile',
    command: 'httpd -f -p 8080 -h /www',
    ports: ['8080'],
    env: { MODE: 'plain' },
    provider: options(),
  },
  cache: { image: 'busybox:latest', command: 'sleep 3600', provider: options() },
  api: { image: './api/Dockerfile', env: { MODE: 'plain' }, provider: options() },
  docs: { image: './docs/Dockerfile', provider: options() },
  vault: { image: 'busybox:latest', command: 'sleep 3600', env: { TOKEN: '${env:KADOPT_TOKEN}' }, provider: options() },
});
const key = (svc: string) => `${STACK}-${svc}`;
const labels = (svc: string) => ({ 'managed-by': 'pctl', 'pctl-stack': STACK, 'pctl-service': key(svc) });
const env = () => ({ ...w.env, KADOPT_TOKEN: TOKEN });
const stateFile = () => path.join(dir, `pctl.${STACK}.json`);
const state = () => JSON.parse(readFileSync(stateFile(), 'utf8')) as Record<string, Record<string, unknown>>;
const docker = (args: string[]) => execa('docker', args, { env: { DOCKER_CONFIG: w.dockerConfig } });
const deployment = (svc: string) =>
  w.kube.get('Deployment', NS, key(svc)) as
    | (KubeObject & { spec: { template: { spec: { containers: { image: string; env?: unknown[] }[] } } } })
    | undefined;
const pods = (svc: string) =>
  w.kube
    .list('Pod', NS)
    .filter((p) => p.metadata.labels?.['pctl-service'] === key(svc))
    .map((p) => p.metadata.uid as string)
    .sort();
const writes = () => w.kube.requests.filter((q) => ['PATCH', 'PUT', 'POST', 'DELETE'].includes(q.method)).length;

interface Outcome {
  key: string;
  action: string;
  reason: string;
  result: string;
}
async function json(args: string[]): Promise<{ exitCode: number; stderr: string; byKey: Record<string, Outcome> }> {
  const r = await pctl([...args, '--json', '--verbose'], { cwd: dir, env: env() });
  const doc = JSON.parse(r.stdout) as { services?: Outcome[] };
  return {
    exitCode: r.exitCode,
    stderr: r.stderr,
    byKey: Object.fromEntries((doc.services ?? []).map((s) => [s.key, s])),
  };
}

async function tags(repo: string): Promise<string[]> {
  const r = await fetch(`http://${w.registryHost}/v2/${repo}/tags/list`, {
    headers: { authorization: `Basic ${Buffer.from(`AWS:${PASSWORD}`).toString('base64')}` },
  });
  if (r.status === 404) return [];
  return (((await r.json()) as { tags: string[] | null }).tags ?? []).sort();
}

// The original's objects for one service; `running` changes what its pods run.
function leaveObjects(svc: string, s: Service, image: string, running: Partial<Service> = {}): void {
  const run = { ...s, ...running };
  for (const o of originalKubeObjects({
    stack: STACK,
    service: svc,
    namespace: NS,
    image,
    command: run.command,
    env: run.env,
    ports: run.ports,
  }))
    w.kube.create(o as KubeObject, 'kubectl-create');
}

beforeAll(async () => {
  await requireDocker();
  w = await startAwsWorld({
    accountId: '271828182845',
    region: REGION,
    cluster: CLUSTER,
    credentials: [main],
    registryPassword: PASSWORD,
  });
  dir = path.join(w.dir, 'stack');
  const files: Record<string, string> = {};
  for (const svc of ['web', 'api', 'docs'])
    Object.assign(files, {
      [`${svc}/Dockerfile`]: DOCKERFILE(svc),
      [`${svc}/index.html`]: `${svc} as the original built it\n`,
    });
  writeTree(dir, files);
  const resolved = services();
  resolved.vault!.env = { TOKEN };
  // JSON is YAML: the stack file is exactly the services the fingerprints cover.
  writeFileSync(path.join(dir, 'pctl.yaml'), JSON.stringify({ name: STACK, services: services() }, null, 2));

  await execa('docker', ['login', '--username', 'AWS', '--password-stdin', w.registryHost], {
    input: PASSWORD,
    env: { DOCKER_CONFIG: w.dockerConfig },
  });
  w.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }, 'kubectl-create');
  const entries: Record<string, unknown> = {};
  for (const [i, [svc, s]] of Object.entries(services()).entries()) {
    let image = s.image;
    let local: string | undefined;
    if (s.image.startsWith('./')) {
      const n = `${Date.now()}${i}${RUN}`;
      local = `pctl-local:${n}`;
      localImages.push(local);
      await docker(['build', '-q', '-t', local, '-f', path.resolve(dir, s.image), dir]);
      expect(
        (
          await awsCli(w.fake.endpoint, awsCliEnv(main, REGION), [
            'ecr',
            'create-repository',
            '--repository-name',
            key(svc),
          ])
        ).exitCode,
      ).toBe(0);
      image = `${w.registryHost}/${key(svc)}:${n}`;
      originalTags[svc] = n;
      localImages.push(image);
      await docker(['tag', local, image]);
      await docker(['push', '-q', image]);
    }
    leaveObjects(svc, s, image, svc === 'api' ? { env: { MODE: 'edited after the deploy' } } : {});
    entries[key(svc)] = {
      provider: 'aws',
      image: local ?? image,
      labels: labels(svc),
      fingerprint: originalFingerprint(resolved[svc]!, dir),
      replica: 1,
      hasPorts: Boolean(s.ports),
      pushedByPctl: Boolean(local),
      cluster: CLUSTER,
      namespace: NS,
      ...(local ? { registryUrl: `${w.registryHost}/${key(svc)}` } : {}),
      hasHpa: false,
      hasRbac: false,
      hasPvc: false,
      hasPv: false,
      hasPullSecret: false,
    };
  }
  await docker(['logout', w.registryHost]);
  writeFileSync(stateFile(), JSON.stringify(entries, null, 2));
  // After the original deployed: a file docs copies changed (its fingerprint cannot tell).
  writeFileSync(path.join(dir, 'docs/index.html'), 'docs changed since\n');
  await w.kube.waitFor(
    () =>
      Object.keys(services()).every(
        (svc) => (deployment(svc)?.status as { availableReplicas?: number } | undefined)?.availableReplicas === 1,
      ),
    60_000,
  );
}, 180_000);

afterAll(async () => {
  for (const ref of (
    await execa(
      'docker',
      ['images', '--filter', `reference=${w?.registryHost}/*`, '--format', '{{.Repository}}:{{.Tag}}'],
      { reject: false },
    )
  ).stdout
    .split('\n')
    .filter(Boolean)) {
    await execa('docker', ['rmi', '-f', ref], { reject: false });
  }
  for (const ref of localImages) await execa('docker', ['rmi', '-f', ref], { reject: false });
  await removeStack(STACK);
  await w?.stop();
}, 120_000);

describe('adopting what the original pctl runs on Kubernetes', () => {
  it('plans adopt where what runs can be kept, and update with the reason where not', async () => {
    const plan = await json(['plan']);
    expect(plan.exitCode).toBe(0);
    expect(plan.byKey[key('web')]).toMatchObject({
      action: 'adopt',
      reason: expect.stringMatching(/kept if the image built now has the filesystem layers of .*kadopt-web:/),
    });
    expect(plan.byKey[key('cache')]).toMatchObject({ action: 'adopt' });
    // plan builds nothing: the changed file shows only at deploy.
    expect(plan.byKey[key('docs')]).toMatchObject({ action: 'adopt' });
    expect(plan.byKey[key('api')]).toMatchObject({
      action: 'update',
      reason: expect.stringMatching(
        /not adopted: applying pctl's Deployment shop\/kadopt-api changes spec\.template\.spec\.containers\[0\]\.env\[0\]\.value, which rolls its pods/,
      ),
    });
    expect(plan.byKey[key('vault')]).toMatchObject({
      action: 'update',
      reason: expect.stringMatching(
        /not adopted: env TOKEN comes from resolvers: pctl keeps such values in the Secret kadopt-vault-env/,
      ),
    });
  });

  it('keeps the pods it can (no rollout, nothing pushed), records its own entries, deploys the others', async () => {
    const before = { web: pods('web'), cache: pods('cache'), api: pods('api') };
    const generation = deployment('web')!.metadata.generation;
    const r = await json(['deploy']);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(Object.fromEntries(Object.entries(r.byKey).map(([k, o]) => [k, o.result]))).toEqual({
      [key('web')]: 'adopted',
      [key('cache')]: 'adopted',
      [key('api')]: 'deployed',
      [key('docs')]: 'deployed',
      [key('vault')]: 'deployed',
    });
    expect(r.byKey[key('docs')]!.reason).toMatch(
      /not adopted: the image built now \(pctl-kadopt-docs:[0-9a-f]+\) has other filesystem layers than .*kadopt-docs:/,
    );

    // web and cache: the same pods, the same pod template (the original's image), pctl's metadata applied in place.
    expect(pods('web')).toEqual(before.web);
    expect(pods('cache')).toEqual(before.cache);
    const web = deployment('web')!;
    expect(web.metadata.generation).toBe(generation);
    expect(web.spec.template.spec.containers[0]!.image).toBe(`${w.registryHost}/${key('web')}:${originalTags.web}`);
    expect(web.metadata.annotations?.['pctl/fingerprint']).toBeTruthy();
    expect((web.metadata.managedFields as { manager: string }[]).map((m) => m.manager)).toContain('pctl');
    expect(r.stderr).not.toContain(`docker push -- ${w.registryHost}/${key('web')}`);
    expect(await tags(key('web'))).toEqual([originalTags.web]);

    const s = state();
    expect(s[key('web')]).toMatchObject({
      provider: 'aws',
      builtByPctl: true,
      originalImage: localImages[0],
      namespace: NS,
      objectNames: 2,
      aws: { eksCluster: CLUSTER, region: REGION },
    });
    expect(s[key('web')]!.image).toMatch(/^pctl-kadopt-web:[0-9a-f]{12}$/);
    expect(s[key('web')]!.ecr).toBeUndefined();
    expect(typeof s[key('web')]!.configHash).toBe('string');
    expect(s[key('cache')]).toMatchObject({ image: 'busybox:latest', builtByPctl: false });

    // api and docs rolled onto pctl's images; vault's value moved into its Secret.
    expect(pods('api')).not.toEqual(before.api);
    expect(deployment('api')!.spec.template.spec.containers[0]!.image).toBe(
      `${w.registryHost}/${key('api')}:${String(s[key('api')]!.image).split(':')[1]}`,
    );
    expect(deployment('docs')!.spec.template.spec.containers[0]!.image).not.toContain(originalTags.docs!);
    expect(JSON.stringify(deployment('vault')!.spec.template.spec.containers[0]!.env)).not.toContain(TOKEN);
    expect(w.kube.get('Secret', NS, `${key('vault')}-env`)).toBeTruthy();
    expect(readFileSync(stateFile(), 'utf8')).not.toContain(TOKEN);
  });

  it('then skips every service: no write to the cluster, no push', async () => {
    const before = writes();
    const r = await json(['deploy']);
    expect(r.exitCode).toBe(0);
    expect(Object.values(r.byKey).map((o) => o.result)).toEqual(Array(5).fill('skipped'));
    expect(writes()).toBe(before);
    expect(r.stderr).not.toMatch(/docker push/);
  });

  it('rolls an adopted service onto its own image once its files change', async () => {
    const before = pods('web');
    writeFileSync(path.join(dir, 'web/index.html'), 'web changed after the migration\n');
    const r = await json(['deploy']);
    expect(r.exitCode).toBe(0);
    expect(r.byKey[key('web')]).toMatchObject({ result: 'deployed' });
    const tag = String(state()[key('web')]!.image).split(':')[1];
    expect(deployment('web')!.spec.template.spec.containers[0]!.image).toBe(`${w.registryHost}/${key('web')}:${tag}`);
    expect(await tags(key('web'))).toEqual([originalTags.web!, tag!].sort());
    await w.kube.waitFor(() => pods('web').length === 1 && pods('web')[0] !== before[0], 60_000);
  });

  it("destroy removes every object and the image the original built; the original's tags stay in ECR", async () => {
    const r = await pctl(['destroy'], { cwd: dir, env: env() });
    expect(r.exitCode).toBe(0);
    for (const svc of Object.keys(services())) {
      expect(deployment(svc)).toBeUndefined();
      expect(state()[key(svc)]).toMatchObject({ destroyed: true });
    }
    expect((await execa('docker', ['image', 'inspect', localImages[0]!], { reject: false })).exitCode).not.toBe(0);
    expect(await tags(key('web'))).toEqual([originalTags.web]);
  });
});
