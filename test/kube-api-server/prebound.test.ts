// Static provisioning as the PV controller does it: a claim naming its volume
// (`spec.volumeName`, as pctl's NFS, EFS and Filestore claims do) binds to that volume
// once it exists, and no volume is provisioned for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api } from '@kubernetes/client-node';
import { startKubeApiServer, type KubeApiServer } from './index.js';

describe('kube-api-server pre-bound claims', () => {
  let server: KubeApiServer;
  let core: CoreV1Api;
  beforeAll(async () => {
    server = await startKubeApiServer({ contextName: 'pb', namespace: 'pb' });
    core = server.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'pb' } } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('waits for the named volume, binds to it, and provisions nothing', async () => {
    await core.createNamespacedPersistentVolumeClaim({
      namespace: 'pb',
      body: {
        metadata: { name: 'files' },
        spec: {
          accessModes: ['ReadWriteMany'],
          storageClassName: 'efs-sc',
          volumeName: 'files-pv',
          resources: { requests: { storage: '5Gi' } },
        },
      },
    });
    // A plain claim made after it gets bound by the same controller pass: by then the
    // named one had its turn, and without its volume it stays Pending.
    await core.createNamespacedPersistentVolumeClaim({
      namespace: 'pb',
      body: {
        metadata: { name: 'plain' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    });
    await server.waitFor(() => server.get('PersistentVolumeClaim', 'pb', 'plain')?.status?.phase === 'Bound');
    expect(server.get('PersistentVolumeClaim', 'pb', 'files')?.status?.phase).toBe('Pending');
    const provisioned = server.list('PersistentVolume').map((v) => v.metadata.name);
    expect(provisioned).toHaveLength(1);
    expect(
      (server.get('PersistentVolume', undefined, provisioned[0]!)!.spec as { claimRef: { name: string } }).claimRef
        .name,
    ).toBe('plain');

    await core.createPersistentVolume({
      body: {
        metadata: { name: 'files-pv' },
        spec: {
          capacity: { storage: '5Gi' },
          accessModes: ['ReadWriteMany'],
          persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: 'efs-sc',
          csi: { driver: 'efs.csi.aws.com', volumeHandle: 'fs-0123456789abcdef0' },
          claimRef: { namespace: 'pb', name: 'files' },
        },
      },
    });
    await server.waitFor(() => server.get('PersistentVolumeClaim', 'pb', 'files')?.status?.phase === 'Bound');
    const pvc = await core.readNamespacedPersistentVolumeClaim({ name: 'files', namespace: 'pb' });
    expect(pvc.spec?.volumeName).toBe('files-pv');
    expect(
      server
        .list('PersistentVolume')
        .map((v) => v.metadata.name)
        .sort(),
    ).toEqual(['files-pv', provisioned[0]!].sort());
  });
});
