// A fresh Kubernetes API test server and a pctl KubeClient on it for every test of a file;
// after each test the server closes and its controllers must have reported no error.
import { afterEach, beforeEach, expect } from 'vitest';
import { connect, type KubeClient } from '../../packages/kube/src/client.js';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';

export function kubeServerPerTest(contextName = 'kind-pctl'): {
  readonly server: KubeApiServer;
  readonly client: KubeClient;
} {
  let server: KubeApiServer | undefined;
  let client: KubeClient | undefined;
  beforeEach(async () => {
    server = await startKubeApiServer({ contextName });
    client = await connect({ kubeconfig: server.kubeconfigPath, context: server.contextName });
  });
  afterEach(async () => {
    const errors = server?.controllerErrors;
    await server?.close();
    expect(errors).toEqual([]);
  });
  return {
    get server() {
      return server!;
    },
    get client() {
      return client!;
    },
  };
}
