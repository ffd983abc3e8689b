// One docker stack whose state lives in Kubernetes (`state: { backend: kubernetes }`), on
// the Kubernetes API test server: moved there from a local file (`state migrate`),
// deployed from a second folder (another "machine": no local state, no build cache) that
// sees everything unchanged, no secret value in the stored Secret (canary), a Lease held on
// another host named and unlocked only with --force, then migrated back to a local file.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { microTime } from '../../packages/core/src/state/backend/kubeLease.js';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';
import { containerIds, docker, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = `kstate-shared-${process.pid}`;
const NS = 'kstate-team';
const CONTEXT = 'kstate-team-ctx';
const CANARY = 'Kq7Zr2Wm5Tx9Lp4Hv8Nc1Bd6Fs3Gy0X';
const URL_ = `kubernetes://${NS}?context=${CONTEXT}`;
const yaml = `name: ${STACK}
secrets: [KST_TOKEN]
state:
  backend: kubernetes
  context: ${CONTEXT}
  namespace: ${NS}
services:
  api:
    image: busybox:latest
    command: sleep 3600
    env: { TOKEN: "\${env:KST_TOKEN}" }
    provider: { name: docker, options: { timeout: 5 } }
  worker:
    image: busybox:latest
    command: sleep 3600
    provider: { name: docker, options: { timeout: 5 } }
`;
const laptop = useStack({ prefix: 'pctl-kstate-laptop-', files: { 'pctl.yaml': yaml } });
const ci = useStack({ prefix: 'pctl-kstate-ci-', files: { 'pctl.yaml': yaml } });
let server: KubeApiServer;
let env: Record<string, string>;

beforeAll(async () => {
  await requireDocker();
  server = await startKubeApiServer({ contextName: CONTEXT, controllers: false });
  server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  env = { KUBECONFIG: server.kubeconfigPath, KST_TOKEN: CANARY };
});
afterAll(async () => {
  await removeStack(STACK);
  await server?.close();
});

const results = (stdout: string) =>
  Object.fromEntries(
    (JSON.parse(stdout) as { services: { key: string; result: string }[] }).services.map((s) => [s.key, s.result]),
  );
const secret = () => server.get('Secret', NS, `pctl-state-${STACK}`);
const stored = () => gunzipSync(Buffer.from(String(secret()!.data!.state), 'base64')).toString('utf8');
const both = (r: string) => ({ [`${STACK}-api`]: r, [`${STACK}-worker`]: r });

describe('a docker stack with its state in Kubernetes, shared by two folders', () => {
  it('deploys with a local state, and `state migrate` moves it into a Secret, verified before the file goes', async () => {
    const file = laptop.path('local-state.json');
    const r = await laptop.pctl(['deploy', '--json', '--state', file], { env });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(results(r.stdout)).toEqual(both('deployed'));
    expect(existsSync(file)).toBe(true);
    const m = await laptop.pctl(['state', 'migrate', '--to', URL_, '--json'], { env: { ...env, PCTL_STATE: file } });
    expect(m.stderr).not.toMatch(/^error/m);
    expect(m.exitCode).toBe(0);
    expect(JSON.parse(m.stdout)).toMatchObject({ from: file, entries: 2 });
    expect(existsSync(file)).toBe(false);
    expect(secret()).toMatchObject({ type: 'pctl.dev/state.v1' });
    expect(JSON.parse(stored())).toMatchObject({ pctlStateFormat: 1, stack: STACK });
    // The lock was released: no Lease is left.
    expect(server.get('Lease', NS, `pctl-lock-${STACK}`)).toBeUndefined();
  });

  it('the second folder (no local state, no build cache) sees everything unchanged; no secret value is stored', async () => {
    const before = await containerIds(STACK);
    const r = await ci.pctl(['deploy', '--json'], { env });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual(both('skipped'));
    expect(JSON.parse(r.stdout).stateFile).toBe(`kubernetes://${NS}/secrets/pctl-state-${STACK}?context=${CONTEXT}`);
    expect(await containerIds(STACK)).toEqual(before);
    expect(existsSync(ci.path(`pctl.${STACK}.json`))).toBe(false);
    // The canary reached the container, and nowhere into the Secret (nor, gzipped, into its data).
    expect(await docker(['inspect', '-f', '{{range .Config.Env}}{{println .}}{{end}}', `${STACK}-api`])).toContain(
      `TOKEN=${CANARY}`,
    );
    expect(stored()).not.toContain(CANARY);
    expect(JSON.stringify(secret())).not.toContain(CANARY);
    expect(server.get('Lease', NS, `pctl-lock-${STACK}`)).toBeUndefined();
  });

  it('a Lease held on another host stops a deploy naming it; unlock needs --force', async () => {
    const rv = secret()!.metadata.resourceVersion;
    const now = microTime(Date.now());
    server.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: `pctl-lock-${STACK}`,
        namespace: NS,
        annotations: {
          'pctl.dev/holder': JSON.stringify({
            pid: 31337,
            host: 'ci-runner-9',
            command: 'deploy',
            startedAt: '2026-12-06T20:00:00Z',
          }),
        },
      },
      spec: {
        holderIdentity: 'ci-runner-9/31337',
        leaseDurationSeconds: 3600,
        acquireTime: now,
        renewTime: now,
      },
    });
    const r = await ci.pctl(['deploy', '--json'], { env });
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'LockHeld',
      message: `stack is locked by pid 31337 on ci-runner-9 (deploy, since 2026-12-06T20:00:00Z): kubernetes://${NS}/leases/pctl-lock-${STACK}`,
    });
    const refused = await laptop.pctl(['state', 'unlock'], { env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('on another host (ci-runner-9)');
    const forced = await laptop.pctl(['state', 'unlock', '--force'], { env });
    expect(forced.exitCode).toBe(0);
    expect(forced.stderr).toContain(`removed the lock kubernetes://${NS}/leases/pctl-lock-${STACK}`);
    expect(server.get('Lease', NS, `pctl-lock-${STACK}`)).toBeUndefined();
    expect(secret()!.metadata.resourceVersion).toBe(rv);
  });

  it('`state migrate` moves it back to a local file; a deploy from there sees everything unchanged', async () => {
    const file = ci.path('back.json');
    const out = await ci.pctl(['state', 'migrate', '--to', file, '--json'], { env });
    expect(out.stderr).not.toMatch(/^error/m);
    expect(out.exitCode).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8'))).sort()).toEqual([`${STACK}-api`, `${STACK}-worker`]);
    expect(secret()).toBeUndefined();
    const r = await ci.pctl(['deploy', '--json', '--state', file], { env });
    expect(results(r.stdout)).toEqual(both('skipped'));
    const h = await ci.pctl(['state', 'history'], { env });
    expect(h.stderr).toContain(`the kubernetes backend keeps no earlier states`);
  });
});
