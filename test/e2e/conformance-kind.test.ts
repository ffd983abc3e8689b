// The built-in kind provider passes the conformance kit: `kind` faked on PATH (its node a
// real container), the cluster the Kubernetes API test server (with the Docker-backed kubelet
// for the inner-loop checks, which need pods that run), everything observed through
// the server's own store, not through the provider.
import { execa } from 'execa';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kindProvider from '@pctl/provider-kind';
import { runConformance } from '@pctl/provider-kit/conformance';
import { INNER_CHECK_IDS, INNER_LOOP_CHECKS, kubeInnerLoop, skippedChecks } from '../helpers/kubeConformance.js';
import type { ProviderV1 } from '@pctl/provider-kit';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';
import { repoRoot, tempDir } from '../helpers/cli.js';
import { requireDocker } from '../helpers/docker.js';
import { labelledObjects } from '../helpers/kube-observe.js';

const CLUSTER = `pctl-kit-${process.pid}`;
let server: KubeApiServer;
let podServer: KubeApiServer | undefined;
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  await requireDocker();
  server = await startKubeApiServer({ contextName: `kind-${CLUSTER}` });
  tmp = tempDir('pctl-kit-kind-');
  // The provider runs in this process: it finds kind and the cluster as a user's shell would.
  process.env.PATH = `${path.join(repoRoot, 'test/fixtures/fake-kind')}:${process.env.PATH}`;
  process.env.KUBECONFIG = server.kubeconfigPath;
  process.env.PCTL_FAKE_KIND_LOG = path.join(tmp.dir, 'kind.log');
  process.env.PCTL_FAKE_KIND_STATE = path.join(tmp.dir, 'kind-clusters.json');
  server.controls.failImage('pctl-kit-no-such-image', 'ErrImagePull');
}, 60_000);
afterAll(async () => {
  await execa('docker', ['rm', '-f', `${CLUSTER}-control-plane`], { reject: false });
  await podServer?.close();
  await server?.close();
  tmp?.cleanup();
});

const observe = async (stack: string) => labelledObjects(server, stack);

describe('conformance kit on built-in providers', () => {
  it('kind keeps every promise of the contract against the API test server', async () => {
    const options = { cluster: CLUSTER, namespace: `kit-${process.pid}`, rolloutTimeout: 60 };
    const r = await runConformance({
      provider: kindProvider as unknown as ProviderV1,
      service: { image: 'busybox:latest', command: 'sleep 3600', ports: [8080], provider: { name: 'kind', options } },
      failingService: { image: 'pctl-kit-no-such-image:404', provider: { name: 'kind', options } },
      observe,
      cwd: tmp.dir,
    });
    expect(r.ok, r.summary()).toBe(true);
    // The inner-loop checks come in the second pass, on pods that run.
    expect(skippedChecks(r), r.summary()).toEqual(INNER_CHECK_IDS);
  });

  it('kind keeps the promises of logs, exec and port-forward on pods that run (the Docker-backed kubelet)', async () => {
    // The same cluster name, now served by an API server whose pods run on the Docker engine.
    podServer = await startKubeApiServer({
      contextName: `kind-${CLUSTER}`,
      runtime: 'docker',
      dockerNamePrefix: 'kv-kit',
    });
    process.env.KUBECONFIG = podServer.kubeconfigPath;
    const options = { cluster: CLUSTER, namespace: `kit-${process.pid}`, rolloutTimeout: 60 };
    const innerLoop = kubeInnerLoop({ name: 'kind', options });
    const r = await runConformance({
      provider: kindProvider as unknown as ProviderV1,
      service: innerLoop.service,
      innerLoop,
      only: INNER_CHECK_IDS,
      observe: async (stack) => labelledObjects(podServer!, stack),
      cwd: tmp.dir,
    });
    expect(r.ok, r.summary()).toBe(true);
    // Nothing may be skipped: the kube skeleton has every inner-loop verb.
    expect(skippedChecks(r), r.summary()).toEqual(INNER_LOOP_CHECKS);
    expect(podServer.controllerErrors).toEqual([]);
  }, 120_000);
});
