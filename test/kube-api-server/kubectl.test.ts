import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from './index.js';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasKubectl)('kube-api-server with kubectl', () => {
  let server: KubeApiServer;
  // Asynchronous on purpose: the server runs in this process, so a blocking spawn would starve it.
  const kubectl = (...args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile('kubectl', ['--kubeconfig', server.kubeconfigPath, ...args], { encoding: 'utf8', timeout: 30_000 }, (e, out, err) =>
        resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }));
    });
  beforeAll(async () => {
    server = await startKubeApiServer({ contextName: 'kind-pctl' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('runs get, apply --server-side, rollout status and delete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-'));
    const manifest = join(dir, 'app.yaml');
    writeFileSync(manifest, [
      'apiVersion: v1', 'kind: Namespace', 'metadata: {name: shop}', '---',
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: web, namespace: shop, labels: {app: web}}',
      'spec:', '  replicas: 2', '  selector: {matchLabels: {app: web}}',
      '  template:', '    metadata: {labels: {app: web}}', '    spec: {containers: [{name: web, image: "nginx:1.27"}]}', '---',
      'apiVersion: v1', 'kind: Service', 'metadata: {name: web, namespace: shop}', 'spec: {selector: {app: web}, ports: [{port: 80}]}',
    ].join('\n'));
    try {
      expect(await kubectl('get', 'ns')).toMatchObject({ code: 0, out: expect.stringContaining('default') });
      const applied = await kubectl('apply', '--server-side', '--field-manager', 'pctl', '--validate=false', '-f', manifest);
      expect(applied.err).toBe('');
      expect(applied.out).toContain('deployment.apps/web serverside-applied');
      const rollout = await kubectl('-n', 'shop', 'rollout', 'status', 'deployment/web', '--timeout', '20s');
      expect(rollout.out).toContain('successfully rolled out');
      const pods = await kubectl('-n', 'shop', 'get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].status.phase}');
      expect(pods.out).toBe('Running Running');
      const again = await kubectl('apply', '--server-side', '--field-manager', 'pctl', '--validate=false', '-f', manifest);
      expect(again.out).toContain('deployment.apps/web serverside-applied');
      const deleted = await kubectl('delete', 'namespace', 'shop', '--wait=true', '--timeout', '20s');
      expect(deleted.out).toContain('namespace "shop" deleted');
      expect(server.get('Namespace', undefined, 'shop')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
