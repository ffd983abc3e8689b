// The gcp provider end to end, with the real CLI and nothing but 127.0.0.1:
// - credentials: a service-account key made here (RSA, node:crypto) whose token_uri is an
//   OAuth fake that checks the JWT-bearer grant's signature with the key's public half and
//   issues one access token;
// - GKE: a fake of the clusters.get call answering with the Kubernetes API test server's
//   endpoint and CA; that server accepts only the issued access token;
// - Artifact Registry: a REAL docker-registry with htpasswd user `oauth2accesstoken` and the
//   access token as its password, so `docker login` and `docker push` are real.
// The token must never leak: not on a command line, in output (even --verbose) or state.
import { execa } from 'execa';
import { createSign, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';
import { pctl, pctlWatchingArgv, tempDir, writeTree, type PctlRun } from '../helpers/cli.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { freePort } from '../helpers/sshd.js';
import { until } from '../helpers/until.js';
import { labelledObjects } from '../helpers/kube-observe.js';
import { originalFingerprint, originalKubeObjects } from '../helpers/original.js';
import gcpProvider from '@pctl/provider-gcp';
import { runConformance } from '@pctl/provider-kit/conformance';
import { INNER_CHECK_IDS, INNER_LOOP_CHECKS, kubeInnerLoop, skippedChecks } from '../helpers/kubeConformance.js';
import type { ProviderV1 } from '@pctl/provider-kit';

const STACK = 'gshop';
const PROJECT = 'pctl-test-project';
const ZONE = 'europe-west1-b';
const CLUSTER = 'prod';
const NS = 'shop';
const ACCESS_TOKEN = `ya29.test-${randomBytes(18).toString('hex')}`;
const SA_EMAIL = `deployer@${PROJECT}.iam.gserviceaccount.com`;
const CLUSTER_PATH = `/v1/projects/${PROJECT}/locations/${ZONE}/clusters/${CLUSTER}`;

let tmp: ReturnType<typeof tempDir>;
let dir: string;
let kube: KubeApiServer;
// The cluster `pods` (Docker-backed kubelet), while the inner-loop conformance runs.
let podKube: KubeApiServer | undefined;
let google: Server;
let googleUrl: string;
let registry: TestRegistry | undefined;
let regPort: number;
let env: Record<string, string>;
let publicKey: string;
// What the fakes saw.
const grants: { iss: string; scope: string; aud: string }[] = [];
const clusterGets: { auth?: string }[] = [];
const filestoreGets: { auth?: string }[] = [];
let gkeDenied = false;
// Short-lived tokens (the renewal test): each grant gets its own token that expires after SHORT_S.
const SHORT_S = 2;
let shortLived = false;
const shortTokens = new Map<string, number>();
const presented: { token: string; at: number }[] = [];
const tokenValid = (bearer: string) => bearer === ACCESS_TOKEN || (shortTokens.get(bearer) ?? 0) > Date.now();

const stateFile = () => path.join(dir, `pctl.${STACK}.json`);
const state = () => JSON.parse(readFileSync(stateFile(), 'utf8'));
const results = (stdout: string) =>
  Object.fromEntries(JSON.parse(stdout).services.map((s: { key: string; result: string }) => [s.key, s.result]));
const repoName = `${PROJECT}/pctl/${STACK}-web`;
const basic = `Basic ${Buffer.from(`oauth2accesstoken:${ACCESS_TOKEN}`).toString('base64')}`;

async function tags(): Promise<string[]> {
  const r = await fetch(`http://127.0.0.1:${regPort}/v2/${repoName}/tags/list`, { headers: { authorization: basic } });
  if (r.status === 404) return [];
  expect(r.status).toBe(200);
  return (((await r.json()) as { tags: string[] | null }).tags ?? []).sort();
}

async function manifestStatus(tag: string): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${regPort}/v2/${repoName}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      authorization: basic,
      accept:
        'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json',
    },
  });
  return r.status;
}

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = '';
    req.on('data', (d: Buffer) => (s += d.toString()));
    req.on('end', () => resolve(s));
  });

const b64url = (s: string) => Buffer.from(s, 'base64url');

// Google's OAuth token endpoint (JWT-bearer grant, RS256 checked) and GKE's clusters.get.
async function startGoogle(): Promise<void> {
  google = createServer(async (req, res) => {
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/token') {
      const form = new URLSearchParams(await body(req));
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
        return send(400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
      const [h, p, sig] = (form.get('assertion') ?? '').split('.');
      const header = JSON.parse(b64url(h ?? '').toString()) as { alg?: string };
      const verify = createVerify('RSA-SHA256');
      verify.update(`${h}.${p}`);
      if (header.alg !== 'RS256' || !sig || !verify.verify(publicKey, b64url(sig)))
        return send(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      const claims = JSON.parse(b64url(p ?? '').toString()) as {
        iss: string;
        scope: string;
        aud: string;
        exp: number;
        iat: number;
      };
      if (claims.iss !== SA_EMAIL || claims.exp * 1000 < Date.now())
        return send(400, {
          error: 'invalid_grant',
          error_description: 'Invalid JWT: Token must be a short-lived token',
        });
      grants.push({ iss: claims.iss, scope: claims.scope, aud: claims.aud });
      if (shortLived) {
        const t = `ya29.short-${grants.length}-${randomBytes(8).toString('hex')}`;
        shortTokens.set(t, Date.now() + SHORT_S * 1000);
        return send(200, { access_token: t, expires_in: SHORT_S, token_type: 'Bearer' });
      }
      return send(200, { access_token: ACCESS_TOKEN, expires_in: 3599, token_type: 'Bearer' });
    }
    if (req.method === 'GET' && url.pathname === CLUSTER_PATH) {
      clusterGets.push({ auth: req.headers.authorization });
      if (!tokenValid((req.headers.authorization ?? '').replace(/^Bearer /, '')))
        return send(401, {
          error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' },
        });
      if (gkeDenied) {
        return send(403, {
          error: {
            code: 403,
            message: `Required "container.clusters.get" permission(s) for "projects/${PROJECT}/locations/${ZONE}/clusters/${CLUSTER}".`,
            status: 'PERMISSION_DENIED',
          },
        });
      }
      const ca = kube.kubeConfig.getCluster(kube.contextName)?.caData;
      return send(200, {
        name: CLUSTER,
        location: ZONE,
        status: 'RUNNING',
        endpoint: kube.url.replace(/^https:\/\//, ''),
        masterAuth: { clusterCaCertificate: ca },
      });
    }
    // A second cluster, `pods`: the API test server whose pods run (the inner-loop conformance).
    if (req.method === 'GET' && url.pathname === CLUSTER_PATH.replace(/[^/]+$/, 'pods') && podKube) {
      if (!tokenValid((req.headers.authorization ?? '').replace(/^Bearer /, '')))
        return send(401, {
          error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' },
        });
      return send(200, {
        name: 'pods',
        location: ZONE,
        status: 'RUNNING',
        endpoint: podKube.url.replace(/^https:\/\//, ''),
        masterAuth: { clusterCaCertificate: podKube.kubeConfig.getCluster(podKube.contextName)?.caData },
      });
    }
    // Filestore's instances.get: the instance `files` in the cluster's zone.
    if (req.method === 'GET' && url.pathname === `/v1/projects/${PROJECT}/locations/${ZONE}/instances/files`) {
      filestoreGets.push({ auth: req.headers.authorization });
      if (!tokenValid((req.headers.authorization ?? '').replace(/^Bearer /, '')))
        return send(401, {
          error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' },
        });
      return send(200, {
        name: `projects/${PROJECT}/locations/${ZONE}/instances/files`,
        tier: 'BASIC_HDD',
        state: 'READY',
        networks: [{ network: 'default', modes: ['MODE_IPV4'], ipAddresses: ['10.20.30.40'] }],
        fileShares: [{ name: 'data', capacityGb: '1024' }],
      });
    }
    send(404, { error: { code: 404, message: `not found: ${req.method} ${url.pathname}`, status: 'NOT_FOUND' } });
  });
  await new Promise<void>((resolve) => google.listen(0, '127.0.0.1', resolve));
  googleUrl = `http://127.0.0.1:${(google.address() as AddressInfo).port}`;
}

const runWatched = (args: string[]) => pctlWatchingArgv(args, { cwd: dir, env }, ACCESS_TOKEN);

const yaml = (extra = '') => `name: ${STACK}
services:
  web:
    image: ./web
    command: httpd -f -p 8080 -h /www
    ports: ["8080"]
${extra}    provider:
      name: gcp
      options:
        project: ${PROJECT}
        zone: ${ZONE}
        cluster: ${CLUSTER}
        namespace: ${NS}
        registryHost: 127.0.0.1:${regPort}
`;

const noLeak = (r: PctlRun & { argvLeak: string[] }) => {
  expect(r.argvLeak).toEqual([]);
  expect(r.stdout).not.toContain(ACCESS_TOKEN);
  expect(r.stderr).not.toContain(ACCESS_TOKEN);
  expect(readFileSync(stateFile(), 'utf8')).not.toContain(ACCESS_TOKEN);
};

beforeAll(async () => {
  await requireDocker();
  tmp = tempDir();
  dir = path.join(tmp.dir, 'stack');
  const dockerConfig = path.join(tmp.dir, 'docker-config');
  mkdirSync(dockerConfig, { recursive: true });
  kube = await startKubeApiServer({
    contextName: 'gke-fake',
    authenticate: (bearer) => {
      presented.push({ token: bearer, at: Date.now() });
      return tokenValid(bearer);
    },
  });
  await startGoogle();
  regPort = await freePort();
  registry = await startRegistry(path.join(tmp.dir, 'registry'), regPort, 'oauth2accesstoken', ACCESS_TOKEN);
  expect((await fetch(`http://127.0.0.1:${regPort}/v2/`)).status).toBe(401);
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  publicKey = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const keyFile = path.join(tmp.dir, 'sa-key.json');
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: PROJECT,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: SA_EMAIL,
      client_id: '100000000000000000001',
      auth_uri: `${googleUrl}/auth`,
      token_uri: `${googleUrl}/token`,
    }),
    { mode: 0o600 },
  );
  // Sanity: the fake really rejects a JWT signed by another key.
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: SA_EMAIL, scope: 'x', aud: 'x', iat: 0, exp: Date.now() / 1000 + 60 })}`;
  const forged = `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(other.privateKey).toString('base64url')}`;
  const bad = await fetch(`${googleUrl}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: forged }),
  });
  expect(bad.status).toBe(400);
  env = {
    GOOGLE_APPLICATION_CREDENTIALS: keyFile,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER: `${googleUrl}/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_FILE: `${googleUrl}/`,
    DOCKER_CONFIG: dockerConfig,
    KUBECONFIG: path.join(tmp.dir, 'no-kubeconfig'),
    NO_PROXY: '127.0.0.1,localhost',
  };
  writeTree(dir, {
    'pctl.yaml': yaml(),
    'web/Dockerfile': 'FROM busybox:latest\nCOPY index.html /www/index.html\n',
    'web/index.html': 'hello from GKE',
  });
}, 180_000);

afterAll(async () => {
  for (const ref of (
    await execa(
      'docker',
      ['images', '--filter', `reference=127.0.0.1:${regPort}/*/*/*`, '--format', '{{.Repository}}:{{.Tag}}'],
      { reject: false },
    )
  ).stdout
    .split('\n')
    .filter(Boolean)) {
    await execa('docker', ['rmi', '-f', ref], { reject: false });
  }
  await removeStack(STACK);
  await registry?.stop();
  await new Promise((r) => google?.close(r));
  await kube?.close();
  tmp?.cleanup();
}, 120_000);

describe('gcp provider (GKE + Artifact Registry)', () => {
  let tag = '';
  let image = '';

  it('gets a token with the service-account key, pushes the content tag and applies the Deployment', async () => {
    const r = await runWatched(['deploy', '--json', '--verbose']);
    if (r.exitCode !== 0) console.error(r.stderr, '\nregistry log:\n', registry?.log());
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${STACK}-web`]: 'deployed' });
    // The JWT-bearer grant went to the key's token_uri, signed with the key, for cloud-platform.
    expect(grants.length).toBeGreaterThanOrEqual(1);
    expect(grants[0]).toMatchObject({ iss: SA_EMAIL, scope: 'https://www.googleapis.com/auth/cloud-platform' });
    expect(clusterGets.at(-1)?.auth).toBe(`Bearer ${ACCESS_TOKEN}`);

    const s = state()[`${STACK}-web`];
    expect(s.image).toMatch(new RegExp(`^pctl-${STACK}-web:[0-9a-f]{12}$`));
    tag = s.image.split(':').pop();
    image = `127.0.0.1:${regPort}/${repoName}:${tag}`;
    expect(s).toMatchObject({
      provider: 'gcp',
      artifactImage: image,
      artifactPushedByPctl: true,
      namespace: NS,
      cluster: `gke_${PROJECT}_${ZONE}_${CLUSTER}`,
      gcp: { project: PROJECT, location: ZONE, gkeCluster: CLUSTER, registryHost: `127.0.0.1:${regPort}` },
    });
    expect(await tags()).toEqual([tag]);
    expect(r.stderr).toContain(`$ docker login --username oauth2accesstoken --password-stdin -- 127.0.0.1:${regPort}`);
    expect(r.stderr).toContain(`$ docker push -- ${image}`);

    const d = kube.get('Deployment', NS, `${STACK}-web`) as
      | {
          spec: { template: { spec: { containers: { image: string }[] } } };
          metadata: { labels: Record<string, string> };
        }
      | undefined;
    expect(d?.spec.template.spec.containers[0]!.image).toBe(image);
    expect(d?.metadata.labels).toMatchObject({ 'managed-by': 'pctl', 'pctl-service': `${STACK}-web` });
    expect(kube.get('Service', NS, `${STACK}-web`)).toBeTruthy();
    // Every Kubernetes request carried the Google token (none was refused).
    expect(kube.requests.filter((q) => q.status === 401)).toEqual([]);
    noLeak(r);
  });

  it('skips a second deploy with no change, and pushes nothing', async () => {
    const writes = () => kube.requests.filter((q) => ['PATCH', 'PUT', 'POST', 'DELETE'].includes(q.method)).length;
    const before = writes();
    const r = await runWatched(['deploy', '--json', '--verbose']);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${STACK}-web`]: 'skipped' });
    expect(r.stderr).not.toMatch(/docker push|docker login/);
    expect(writes()).toBe(before);
    expect(await tags()).toEqual([tag]);
  });

  it("prints the access token nowhere with the libraries' own logs asked for (GOOGLE_SDK_NODE_LOGGING=*, DEBUG=*)", async () => {
    const before = grants.length;
    const r = await pctlWatchingArgv(
      ['status', '--json', '--verbose'],
      { cwd: dir, env: { ...env, GOOGLE_SDK_NODE_LOGGING: '*', DEBUG: '*' } },
      ACCESS_TOKEN,
    );
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    // It did get a token (a new grant) and used it on the cluster.
    expect(grants.length).toBeGreaterThan(before);
    expect(clusterGets.at(-1)?.auth).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(JSON.parse(r.stdout).status.find((x: { key: string }) => x.key === `${STACK}-web`).live.state).toBe(
      'running',
    );
    noLeak(r);
  });

  it('redeploys a config change without pushing an image Artifact Registry already has', async () => {
    writeFileSync(path.join(dir, 'pctl.yaml'), yaml('    env: { GREETING: hi }\n'));
    const r = await runWatched(['deploy', '--json', '--verbose']);
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${STACK}-web`]: 'deployed' });
    expect(r.stderr).toContain(`${image} is already in Artifact Registry, not pushing`);
    expect(r.stderr).not.toMatch(/docker push/);
    expect(state()[`${STACK}-web`]).toMatchObject({ artifactImage: image, artifactPushedByPctl: true });
    const d = kube.get('Deployment', NS, `${STACK}-web`) as unknown as {
      spec: { template: { spec: { containers: { env?: { name: string; value: string }[] }[] } } };
    };
    expect(d.spec.template.spec.containers[0]!.env).toContainEqual({ name: 'GREETING', value: 'hi' });
    noLeak(r);
  });

  it("fails with one line naming the cluster and Google's message when GKE says 403", async () => {
    gkeDenied = true;
    try {
      writeFileSync(path.join(dir, 'pctl.yaml'), yaml('    env: { GREETING: hello }\n'));
      for (const verbose of [false, true]) {
        const r = await runWatched(['deploy', ...(verbose ? ['--verbose'] : [])]);
        expect(r.exitCode).toBe(1);
        const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
        expect(errors).toHaveLength(1);
        expect(errors[0]).toContain(
          `GKE clusters.get projects/${PROJECT}/locations/${ZONE}/clusters/${CLUSTER}: 403 PERMISSION_DENIED: Required "container.clusters.get" permission(s)`,
        );
        expect(errors[0]).toContain('roles/container.developer');
        expect(r.stderr).not.toMatch(/\n\s+at /);
        noLeak(r);
      }
    } finally {
      gkeDenied = false;
    }
  });

  it('destroys the Kubernetes objects and the tag it pushed', async () => {
    const r = await runWatched(['destroy', '--verbose']);
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    expect(kube.get('Deployment', NS, `${STACK}-web`)).toBeUndefined();
    expect(kube.get('Service', NS, `${STACK}-web`)).toBeUndefined();
    expect(r.stderr).toContain(`deleted ${image} from Artifact Registry`);
    expect(await manifestStatus(tag)).toBe(404);
    expect(state()[`${STACK}-web`].destroyed).toBe(true);
    noLeak(r);
  });

  it('renews the access token when it expires during a run (the server refuses expired ones)', async () => {
    const short = path.join(tmp.dir, 'short');
    writeTree(short, {
      'pctl.yaml': `name: gshort
services:
  job:
    image: busybox:latest
    command: sleep 3600
    provider:
      name: gcp
      options: { project: ${PROJECT}, zone: ${ZONE}, cluster: ${CLUSTER}, namespace: short }
`,
    });
    shortLived = true;
    const grantsBefore = grants.length;
    // The rollout cannot finish until the first token pctl got has expired.
    kube.controls.pauseControllers();
    try {
      const running = pctl(['deploy', '--json'], { cwd: short, env });
      await kube.waitFor(() => kube.get('Deployment', 'short', 'gshort-job') !== undefined, 120_000);
      const first = [...shortTokens].find(([t]) => presented.some((p) => p.token === t));
      expect(first).toBeTruthy();
      await kube.waitFor(() => Date.now() > first![1], 30_000);
      expect(tokenValid(first![0])).toBe(false);
      kube.controls.resumeControllers();
      const r = await running;
      if (r.exitCode !== 0) console.error(r.stderr);
      expect(r.exitCode).toBe(0);
      expect(results(r.stdout)).toEqual({ 'gshort-job': 'deployed' });
      // After the first token expired, requests carried newer ones the OAuth fake issued.
      expect(grants.length - grantsBefore).toBeGreaterThanOrEqual(2);
      const later = presented.filter((p) => p.at > first![1]).map((p) => p.token);
      expect(later.length).toBeGreaterThan(0);
      expect(later.every((t) => t !== first![0] || !tokenValid(t))).toBe(true);
      expect(later.some((t) => t !== first![0] && shortTokens.has(t))).toBe(true);
      const destroyed = await pctl(['destroy'], { cwd: short, env });
      expect(destroyed.exitCode).toBe(0);
    } finally {
      kube.controls.resumeControllers();
      shortLived = false;
    }
  });

  it("adopts the original pctl's Deployment: the image it pushed is read from Artifact Registry with the access token, no pod rolls", async () => {
    const legacy = path.join(tmp.dir, 'legacy');
    const service = {
      image: './web/Dockerfile',
      command: 'httpd -f -p 8080 -h /www',
      provider: {
        name: 'gcp',
        options: {
          project: PROJECT,
          zone: ZONE,
          cluster: CLUSTER,
          namespace: 'legacy',
          registryHost: `127.0.0.1:${regPort}`,
        },
      },
    };
    writeTree(legacy, {
      'pctl.yaml': JSON.stringify({ name: 'glegacy', services: { web: service } }),
      'web/Dockerfile': 'FROM busybox:latest\nCOPY web/index.html /www/index.html\n',
      'web/index.html': 'the original built this',
    });
    // The original: docker build -f <Dockerfile> <stack folder>, pushed under a timestamp tag.
    const n = `${Date.now()}`;
    const original = `127.0.0.1:${regPort}/${PROJECT}/pctl/glegacy-web:${n}`;
    const dockerEnv = { DOCKER_CONFIG: env.DOCKER_CONFIG! };
    await execa('docker', ['build', '-q', '-t', `pctl-local:${n}`, '-f', path.join(legacy, 'web/Dockerfile'), legacy]);
    try {
      await execa('docker', ['tag', `pctl-local:${n}`, original]);
      await execa('docker', ['login', '--username', 'oauth2accesstoken', '--password-stdin', `127.0.0.1:${regPort}`], {
        input: ACCESS_TOKEN,
        env: dockerEnv,
      });
      await execa('docker', ['push', '-q', original], { env: dockerEnv });
      await execa('docker', ['logout', `127.0.0.1:${regPort}`], { env: dockerEnv });
      kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'legacy' } }, 'kubectl-create');
      for (const o of originalKubeObjects({
        stack: 'glegacy',
        service: 'web',
        namespace: 'legacy',
        image: original,
        command: service.command,
      }))
        kube.create(o as never, 'kubectl-create');
      // A service the original deployed that has left the stack file since: its entry alone says where it runs.
      for (const o of originalKubeObjects({
        stack: 'glegacy',
        service: 'old',
        namespace: 'legacy',
        image: 'busybox:latest',
        command: 'sleep 3600',
      }))
        kube.create(o as never, 'kubectl-create');
      const live = () =>
        kube.get('Deployment', 'legacy', 'glegacy-web') as
          | {
              metadata: { generation?: number };
              spec: { template: { spec: { containers: { image: string }[] } } };
              status?: { availableReplicas?: number };
            }
          | undefined;
      const podsNow = () =>
        kube
          .list('Pod', 'legacy')
          .filter((p) => p.metadata.labels?.['pctl-service'] === 'glegacy-web')
          .map((p) => p.metadata.uid)
          .sort();
      await kube.waitFor(() => live()?.status?.availableReplicas === 1 && podsNow().length === 1, 60_000);
      const before = podsNow();
      writeFileSync(
        path.join(legacy, 'pctl.glegacy.json'),
        JSON.stringify({
          'glegacy-old': {
            provider: 'gcp',
            image: 'busybox:latest',
            labels: { 'managed-by': 'pctl', 'pctl-stack': 'glegacy', 'pctl-service': 'glegacy-old' },
            fingerprint: 'f'.repeat(64),
            replica: 1,
            hasPorts: false,
            cluster: CLUSTER,
            namespace: 'legacy',
            project: PROJECT,
            zone: ZONE,
          },
          'glegacy-web': {
            provider: 'gcp',
            image: `pctl-local:${n}`,
            labels: { 'managed-by': 'pctl', 'pctl-stack': 'glegacy', 'pctl-service': 'glegacy-web' },
            fingerprint: originalFingerprint(service, legacy),
            replica: 1,
            hasPorts: false,
            pushedByPctl: true,
            cluster: CLUSTER,
            namespace: 'legacy',
            project: PROJECT,
            zone: ZONE,
          },
        }),
      );
      const r = await pctlWatchingArgv(['deploy', '--json'], { cwd: legacy, env }, ACCESS_TOKEN);
      if (r.exitCode !== 0) console.error(r.stderr);
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout).services).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ key: 'glegacy-web', action: 'adopt', result: 'adopted' }),
          expect.objectContaining({ key: 'glegacy-old', action: 'remove', result: 'removed' }),
        ]),
      );
      expect(kube.get('Deployment', 'legacy', 'glegacy-old')).toBeUndefined();
      expect(r.argvLeak).toEqual([]);
      expect(r.stderr).not.toContain(ACCESS_TOKEN);
      expect(podsNow()).toEqual(before);
      expect(live()!.spec.template.spec.containers[0]!.image).toBe(original);
      expect(r.stderr).not.toMatch(/docker push/);
      const entry = JSON.parse(readFileSync(path.join(legacy, 'pctl.glegacy.json'), 'utf8'))['glegacy-web'];
      expect(entry).toMatchObject({
        provider: 'gcp',
        builtByPctl: true,
        originalImage: `pctl-local:${n}`,
        gcp: { project: PROJECT, gkeCluster: CLUSTER },
      });
      expect(entry.artifactImage).toBeUndefined();
      expect(readFileSync(path.join(legacy, 'pctl.glegacy.json'), 'utf8')).not.toContain(ACCESS_TOKEN);
      const d = await pctl(['destroy'], { cwd: legacy, env });
      expect(d.exitCode).toBe(0);
      expect(live()).toBeUndefined();
      expect((await execa('docker', ['image', 'inspect', `pctl-local:${n}`], { reject: false })).exitCode).not.toBe(0);
    } finally {
      await execa('docker', ['rmi', '-f', `pctl-local:${n}`], { reject: false });
      await removeStack('glegacy');
    }
  });

  it('mounts Filestore written as the original wrote it ({ name: filestore, id }): the address and share come from the Filestore API', async () => {
    const shared = path.join(tmp.dir, 'filestore');
    writeTree(shared, {
      'pctl.yaml': `name: gfiles
services:
  media:
    image: busybox:latest
    command: sleep 3600
    volumes: [{ path: /media }]
    provider:
      name: gcp
      options: { project: ${PROJECT}, zone: ${ZONE}, cluster: ${CLUSTER}, namespace: files, storage: { name: filestore, id: files } }
`,
    });
    const rendered = await pctl(['render', '--json'], { cwd: shared, env });
    expect(rendered.exitCode, rendered.stderr).toBe(0);
    expect(rendered.stdout).toContain('read from the Filestore API at deploy');
    expect(filestoreGets).toEqual([]);
    const r = await pctl(['deploy', '--verbose'], { cwd: shared, env });
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    expect(filestoreGets.at(-1)?.auth).toBe(`Bearer ${ACCESS_TOKEN}`);
    const pv = kube.get('PersistentVolume', undefined, 'gfiles-media') as {
      spec: {
        accessModes: string[];
        csi: { driver: string; volumeHandle: string; volumeAttributes: Record<string, string> };
      };
    };
    expect(pv.spec.csi).toEqual({
      driver: 'filestore.csi.storage.gke.io',
      volumeHandle: `modeInstance/${ZONE}/files/data`,
      volumeAttributes: { ip: '10.20.30.40', volume: 'data' },
    });
    expect(pv.spec.accessModes).toEqual(['ReadWriteMany']);
    await kube.waitFor(
      () =>
        (kube.get('PersistentVolumeClaim', 'files', 'gfiles-media') as { status?: { phase?: string } } | undefined)
          ?.status?.phase === 'Bound',
      60_000,
    );
    expect(r.stderr).not.toContain(ACCESS_TOKEN);
    const d = await pctl(['destroy'], { cwd: shared, env });
    expect(d.exitCode, d.stderr).toBe(0);
    expect(kube.get('PersistentVolume', undefined, 'gfiles-media')).toBeUndefined();
  });

  it("mounts Filestore by the instance's address as the original's docs write it ({ name: filestore, id: 10.0.1.5 }): NFS at <id>:/vol1, no Filestore call", async () => {
    const byAddress = path.join(tmp.dir, 'filestore-ip');
    writeTree(byAddress, {
      'pctl.yaml': `name: gfilesip
services:
  media:
    image: busybox:latest
    command: sleep 3600
    volumes: [{ path: /media }]
    provider:
      name: gcp
      options: { project: ${PROJECT}, zone: ${ZONE}, cluster: ${CLUSTER}, namespace: files, storage: { name: filestore, id: 10.0.1.5 } }
`,
    });
    const asked = filestoreGets.length;
    const r = await pctl(['deploy'], { cwd: byAddress, env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(filestoreGets.length).toBe(asked);
    const pv = kube.get('PersistentVolume', undefined, 'gfilesip-media') as {
      spec: { accessModes: string[]; nfs?: unknown; csi?: unknown };
    };
    expect(pv.spec.nfs).toEqual({ server: '10.0.1.5', path: '/vol1' });
    expect(pv.spec.csi).toBeUndefined();
    expect(pv.spec.accessModes).toEqual(['ReadWriteMany']);
    await kube.waitFor(
      () =>
        (kube.get('PersistentVolumeClaim', 'files', 'gfilesip-media') as { status?: { phase?: string } } | undefined)
          ?.status?.phase === 'Bound',
      60_000,
    );
    const d = await pctl(['destroy'], { cwd: byAddress, env });
    expect(d.exitCode, d.stderr).toBe(0);
    expect(kube.get('PersistentVolume', undefined, 'gfilesip-media')).toBeUndefined();
  });

  it('loads no Google library for --help and validate of a gcp stack', async () => {
    const trace = path.join(tmp.dir, 'trace.txt');
    writeTree(tmp.dir, {
      'trace.txt': '',
      'hooks.mjs':
        "import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.PCTL_TRACE, r.url + '\\n'); return r; }\n",
      'register.mjs': "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
    });
    for (const args of [['--help'], ['validate']]) {
      const r = await pctl(args, {
        cwd: dir,
        env: { ...env, PCTL_TRACE: trace, NODE_OPTIONS: `--import ${tmp.dir}/register.mjs` },
      });
      expect(r.exitCode).toBe(0);
    }
    const loaded = readFileSync(trace, 'utf8');
    expect(loaded).toContain('packages/cli/bundle/core.js');
    expect(loaded).not.toMatch(/google-auth-library|gaxios|@google-cloud/);
  });
});

describe('gcp provider, conformance kit', () => {
  it('keeps every promise of the contract against the Google fakes and the API test server', async () => {
    shortLived = false;
    // The provider runs in this process: it finds its credentials as the CLI would.
    Object.assign(process.env, env);
    kube.controls.failImage('pctl-kit-no-such-image', 'ErrImagePull');
    const options = {
      project: PROJECT,
      zone: ZONE,
      cluster: CLUSTER,
      namespace: 'kit',
      registryHost: `127.0.0.1:${regPort}`,
      rolloutTimeout: 60,
    };
    const r = await runConformance({
      provider: gcpProvider as unknown as ProviderV1,
      service: { image: 'busybox:latest', command: 'sleep 3600', ports: [8080], provider: { name: 'gcp', options } },
      failingService: { image: 'pctl-kit-no-such-image:404', provider: { name: 'gcp', options } },
      observe: async (stack) => labelledObjects(kube, stack),
      cwd: tmp.dir,
    });
    expect(r.ok, r.summary()).toBe(true);
    // The inner-loop checks come in the second pass, on pods that run.
    expect(skippedChecks(r), r.summary()).toEqual(INNER_CHECK_IDS);
  }, 600_000);

  it('keeps the promises of logs, exec and port-forward on a GKE cluster whose pods run (the Docker-backed kubelet)', async () => {
    shortLived = false;
    Object.assign(process.env, env);
    podKube = await startKubeApiServer({
      contextName: 'gke-pods',
      runtime: 'docker',
      dockerNamePrefix: 'kv-gcp',
      authenticate: (bearer) => tokenValid(bearer),
    });
    try {
      const innerLoop = kubeInnerLoop({
        name: 'gcp',
        options: {
          project: PROJECT,
          zone: ZONE,
          cluster: 'pods',
          namespace: 'kit',
          registryHost: `127.0.0.1:${regPort}`,
        },
      });
      const r = await runConformance({
        provider: gcpProvider as unknown as ProviderV1,
        service: innerLoop.service,
        innerLoop,
        only: INNER_CHECK_IDS,
        observe: async (stack) => labelledObjects(podKube!, stack),
        cwd: tmp.dir,
      });
      expect(r.ok, r.summary()).toBe(true);
      // Nothing may be skipped: the kube skeleton has every inner-loop verb.
      expect(skippedChecks(r), r.summary()).toEqual(INNER_LOOP_CHECKS);
      expect(podKube.controllerErrors).toEqual([]);
      // pctl's own commands on that GKE cluster: logs and exec through the CLI.
      const cli = path.join(tmp.dir, 'gke-cli');
      writeTree(cli, {
        'pctl.yaml': `name: gcp-kv-cli\nservices:\n  web:\n    image: busybox:latest\n    command: 'echo "gke up"; exec sleep 3600'\n    provider:\n      name: gcp\n      options: { project: ${PROJECT}, zone: ${ZONE}, cluster: pods, namespace: kitcli, registryHost: 127.0.0.1:${regPort} }\n`,
      });
      const d = await pctl(['deploy'], { cwd: cli, env });
      expect(d.exitCode, d.stderr).toBe(0);
      const logs = await until("the pod's first line", async () => {
        const l = await pctl(['logs', 'web'], { cwd: cli, env });
        return l.exitCode === 0 && l.stdout.includes('gke up') ? l : undefined;
      });
      expect(logs.stdout).toMatch(/^web\/\S+ +\| gke up$/m);
      const x = await pctl(['exec', 'web', '--', 'sh', '-c', 'echo out-$((6*7)); exit 4'], { cwd: cli, env });
      expect([x.exitCode, x.stdout]).toEqual([4, 'out-42']);
      expect(`${d.stderr}${logs.stderr}${x.stderr}`).not.toContain(ACCESS_TOKEN);
      expect((await pctl(['destroy'], { cwd: cli, env })).exitCode).toBe(0);
    } finally {
      await podKube.close();
      podKube = undefined;
    }
  }, 180_000);
});
