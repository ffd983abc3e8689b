// renderService for the forms the original pctl's stack files use: names `<stack>-<service>`
// from names that are not DNS labels, env values from secret-bearing resolvers in a Secret,
// storage on EFS, Filestore and EBS, Docker port forms and volume paths that differ only in
// case or punctuation. Every object is checked against the official Kubernetes schemas.
import { describe, expect, it } from 'vitest';
import { isPctlError, ServiceSchema } from '@pctl/core';
import { validateObjects } from '../../../test/helpers/kube-schemas.js';
import { ENV_SECRET_HASH_ANNOTATION, REDACTED_ANNOTATION } from './env.js';
import { labelValue, serviceObjectNames } from './objectNames.js';
import { renderNotes, renderService } from './renderService.js';
import { KubeServiceOptionsSchema, optionIssues, type KubeObject, type RenderInput } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const spec = (o: KubeObject): any => o.spec;
const find = (objs: KubeObject[], kind: string, name?: string): KubeObject => {
  const o = objs.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o)
    throw new Error(
      `no ${kind}${name ? `/${name}` : ''} in ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`,
    );
  return o;
};

function input(
  over: {
    stack?: string;
    service?: string;
    config?: Record<string, unknown>;
    options?: Record<string, unknown>;
  } & Partial<Omit<RenderInput, 'config' | 'options'>> = {},
): RenderInput {
  const { config, options, ...rest } = over;
  return {
    stack: 'shop',
    service: 'api',
    image: 'busybox:1',
    namespace: 'shop',
    fingerprint: 'fp-1',
    ...rest,
    config: ServiceSchema.parse({ image: 'busybox:1', provider: { name: 'kind' }, ...config }),
    options: KubeServiceOptionsSchema.parse(options ?? {}),
  } as RenderInput;
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    expect(isPctlError(e)).toBe(true);
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('names', () => {
  it('names every object of a service <stack>-<service>, the pull Secret -regcred', () => {
    const objs = renderService(
      input({
        config: { ports: [80], scale: { replica: [1, 2] } },
        pullSecret: { server: 'r.io', username: 'u', password: 'p' },
      }),
    );
    validateObjects(objs);
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/shop',
      'ServiceAccount/shop-api',
      'Secret/shop-api-regcred',
      'Deployment/shop-api',
      'Service/shop-api',
      'HorizontalPodAutoscaler/shop-api',
    ]);
  });

  it('derives DNS names from stack and service names with _ and capitals; labels keep the names as written', () => {
    const objs = renderService(input({ stack: 'My_App', service: 'my_api', config: { ports: [80] } }));
    validateObjects(objs);
    expect(find(objs, 'Deployment').metadata.name).toBe('my-app-my-api');
    expect(find(objs, 'Service').metadata.name).toBe('my-app-my-api');
    const c = spec(find(objs, 'Deployment')).template.spec.containers[0];
    expect(c.name).toBe('my-api');
    for (const o of objs)
      expect(o.metadata.labels).toEqual({
        'managed-by': 'pctl',
        'pctl-stack': 'My_App',
        'pctl-service': 'My_App-my_api',
      });
    expect(find(objs, 'Deployment').metadata.annotations).toEqual({ 'pctl/fingerprint': 'fp-1' });
  });

  it('derives label values Kubernetes would refuse, keeping the exact key in an annotation', () => {
    const stack = `_${'x'.repeat(70)}`;
    const objs = renderService(input({ stack }));
    validateObjects(objs);
    const d = find(objs, 'Deployment');
    expect(d.metadata.labels!['pctl-stack']).toBe(labelValue(stack));
    expect(d.metadata.labels!['pctl-stack']).toMatch(/^x+-[0-9a-f]{10}$/);
    expect(d.metadata.labels!['pctl-stack']!.length).toBeLessThanOrEqual(63);
    expect(d.metadata.annotations!['pctl/key']).toBe(`${stack}-api`);
    // Two names that cut to the same prefix keep different label values.
    expect(labelValue(`${'a'.repeat(70)}1`)).not.toBe(labelValue(`${'a'.repeat(70)}2`));
  });

  it('refuses a name that cannot name a Kubernetes Service', () => {
    expect(thrown(() => serviceObjectNames('1shop', 'api')).message).toMatch(/1shop-api must start with a letter/);
  });
});

describe('secret env', () => {
  const secrets = ['hunter2-TOPSECRET', 'tok-abcdef'];
  const env = { DB_PASSWORD: 'hunter2-TOPSECRET', DSN: 'postgres://app:tok-abcdef@db/app', MODE: 'prod' };

  it('puts values holding a secret into the Secret <stack>-<service>-env, taken by secretKeyRef', () => {
    const objs = renderService(input({ config: { env }, secrets }));
    validateObjects(objs);
    const d = find(objs, 'Deployment');
    expect(JSON.stringify(d)).not.toContain('hunter2');
    expect(JSON.stringify(d)).not.toContain('tok-abcdef');
    expect(spec(d).template.spec.containers[0].env).toEqual([
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-api-env', key: 'DB_PASSWORD' } } },
      { name: 'DSN', valueFrom: { secretKeyRef: { name: 'shop-api-env', key: 'DSN' } } },
      { name: 'MODE', value: 'prod' },
    ]);
    const s = find(objs, 'Secret', 'shop-api-env');
    expect(s.type).toBe('Opaque');
    expect(s.metadata.labels).toEqual({ 'managed-by': 'pctl', 'pctl-stack': 'shop', 'pctl-service': 'shop-api' });
    const data = s.data as Record<string, string>;
    expect(
      Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])),
    ).toEqual({ DB_PASSWORD: env.DB_PASSWORD, DSN: env.DSN });
    // Applied before the Deployment that takes it.
    expect(objs.indexOf(s)).toBeLessThan(objs.indexOf(d));
  });

  it('rolls the pods when a secret changes, through a hash that does not give the value away', () => {
    const hash = (e: Record<string, string>) =>
      spec(find(renderService(input({ config: { env: e }, secrets: [...secrets, 'hunter3-TOPSECRET'] })), 'Deployment'))
        .template.metadata.annotations[ENV_SECRET_HASH_ANNOTATION];
    const a = hash(env);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(hash({ ...env })).toBe(a);
    expect(hash({ ...env, DB_PASSWORD: 'hunter3-TOPSECRET' })).not.toBe(a);
    expect(a).not.toContain(Buffer.from('hunter2').toString('hex'));
  });

  it('pctl render (redact) shows the Secret with its keys and no data', () => {
    const objs = renderService(input({ config: { env }, secrets, redact: true }));
    validateObjects(objs);
    const s = find(objs, 'Secret', 'shop-api-env');
    expect(s.data).toBeUndefined();
    expect(s.metadata.annotations![REDACTED_ANNOTATION]).toBe(
      'values of DB_PASSWORD, DSN left out: pctl render never shows secrets',
    );
    expect(JSON.stringify(objs)).not.toMatch(/hunter2|tok-abcdef|aHVudGVy/);
    // The same pod template as the deploy would apply.
    expect(spec(find(objs, 'Deployment')).template).toEqual(
      spec(find(renderService(input({ config: { env }, secrets })), 'Deployment')).template,
    );
  });

  it('makes no Secret when no env value holds a secret', () => {
    const objs = renderService(input({ config: { env: { MODE: 'prod' } }, secrets }));
    expect(objs.some((o) => o.kind === 'Secret')).toBe(false);
    expect(spec(find(objs, 'Deployment')).template.metadata.annotations).toBeUndefined();
  });
});

describe('storage', () => {
  const withVolumes = { volumes: [{ path: '/data' }] };

  it('EFS: the shared StorageClass efs-sc, a PersistentVolume on the EFS CSI driver and a ReadWriteMany claim', () => {
    const objs = renderService(
      input({ config: withVolumes, options: { storage: { name: 'efs', id: 'fs-0123456789abcdef0' } }, cloud: 'aws' }),
    );
    validateObjects(objs);
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).slice(2, 5)).toEqual([
      'StorageClass/efs-sc',
      'PersistentVolume/shop-api',
      'PersistentVolumeClaim/shop-api',
    ]);
    const sc = find(objs, 'StorageClass');
    expect(sc.provisioner).toBe('efs.csi.aws.com');
    // Shared between stacks: no stack's labels on it.
    expect(sc.metadata.labels).toEqual({ 'managed-by': 'pctl' });
    expect(sc.metadata.annotations).toEqual({ 'pctl/shared': 'true' });
    expect(sc.metadata.namespace).toBeUndefined();
    const pv = find(objs, 'PersistentVolume');
    expect(spec(pv)).toEqual({
      accessModes: ['ReadWriteMany'],
      persistentVolumeReclaimPolicy: 'Retain',
      volumeMode: 'Filesystem',
      capacity: { storage: '5Gi' },
      storageClassName: 'efs-sc',
      csi: { driver: 'efs.csi.aws.com', volumeHandle: 'fs-0123456789abcdef0' },
      claimRef: { namespace: 'shop', name: 'shop-api' },
    });
    expect(spec(find(objs, 'PersistentVolumeClaim'))).toEqual({
      accessModes: ['ReadWriteMany'],
      storageClassName: 'efs-sc',
      volumeName: 'shop-api',
      resources: { requests: { storage: '5Gi' } },
    });
    expect(spec(find(objs, 'Deployment')).template.spec.volumes).toEqual([
      { name: 'storage-0', persistentVolumeClaim: { claimName: 'shop-api' } },
    ]);
  });

  it('EFS with an access point keeps the id as the volumeHandle', () => {
    const objs = renderService(
      input({
        config: withVolumes,
        options: { storage: { name: 'efs', id: 'fs-0123456789abcdef0::fsap-0a1b2c3d4e5f60718', size: '1Gi' } },
        cloud: 'aws',
      }),
    );
    validateObjects(objs);
    expect(spec(find(objs, 'PersistentVolume')).csi.volumeHandle).toBe('fs-0123456789abcdef0::fsap-0a1b2c3d4e5f60718');
  });

  it('Filestore: a PersistentVolume on the Filestore CSI driver with the modeInstance handle, and a ReadWriteMany claim', () => {
    for (const id of [
      'us-central1-a/shared',
      'projects/acme/locations/us-central1-a/instances/shared',
      'modeInstance/us-central1-a/shared/vol1',
    ]) {
      const objs = renderService(
        input({ config: withVolumes, options: { storage: { name: 'filestore', id, ip: '10.0.0.2' } }, cloud: 'gcp' }),
      );
      validateObjects(objs);
      expect(objs.some((o) => o.kind === 'StorageClass')).toBe(false);
      const pv = spec(find(objs, 'PersistentVolume'));
      expect(pv.csi).toEqual({
        driver: 'filestore.csi.storage.gke.io',
        volumeHandle: 'modeInstance/us-central1-a/shared/vol1',
        volumeAttributes: { ip: '10.0.0.2', volume: 'vol1' },
      });
      expect(pv.accessModes).toEqual(['ReadWriteMany']);
      expect(pv.capacity).toEqual({ storage: '1Ti' });
      expect(pv.storageClassName).toBe('');
      expect(spec(find(objs, 'PersistentVolumeClaim'))).toMatchObject({
        accessModes: ['ReadWriteMany'],
        storageClassName: '',
        volumeName: 'shop-api',
      });
    }
  });

  it("Filestore by the instance's address (the original's form): an NFS PersistentVolume at <id>:/vol1, no look-up", () => {
    for (const [storage, path] of [
      [{ name: 'filestore', id: '10.0.1.5' }, '/vol1'],
      [{ name: 'filestore', id: '10.0.1.5', share: 'media', ip: '10.0.1.5' }, '/media'],
    ] as const) {
      const objs = renderService(input({ config: withVolumes, options: { storage }, cloud: 'gcp' }));
      validateObjects(objs);
      const pv = spec(find(objs, 'PersistentVolume'));
      expect(pv.nfs).toEqual({ server: '10.0.1.5', path });
      expect(pv.csi).toBeUndefined();
      expect(pv).toMatchObject({
        accessModes: ['ReadWriteMany'],
        capacity: { storage: '1Ti' },
        storageClassName: '',
        persistentVolumeReclaimPolicy: 'Retain',
      });
      expect(spec(find(objs, 'PersistentVolumeClaim'))).toMatchObject({
        accessModes: ['ReadWriteMany'],
        storageClassName: '',
        volumeName: 'shop-api',
      });
    }
    const issues = (v: unknown) =>
      KubeServiceOptionsSchema.safeParse({ storage: v }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ name: 'filestore', id: '10.0.1.5' })).toBeUndefined();
    expect(issues({ name: 'filestore', id: '10.0.1.5', ip: '10.0.1.6' })).toEqual([
      "storage.ip: the id is already the instance's address: leave ip out, or give the instance's name as id",
    ]);
    expect(issues({ name: 'filestore', id: '10.0.1.256' })![0]).toMatch(
      /^storage.id: expected the instance's IPv4 address/,
    );
    expect(
      thrown(() =>
        renderService(
          input({ config: withVolumes, options: { storage: { name: 'filestore', id: '10.0.1.5' } }, cloud: 'aws' }),
        ),
      ).message,
    ).toMatch(/only the gcp provider deploys it/);
  });

  it('{size} on aws: a gp3 class (EBS CSI) and a ReadWriteOnce claim; elsewhere the cluster default class', () => {
    let objs = renderService(input({ config: withVolumes, options: { storage: { size: '10Gi' } }, cloud: 'aws' }));
    validateObjects(objs);
    const sc = find(objs, 'StorageClass', 'gp3');
    expect(sc).toMatchObject({
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3' },
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    expect(spec(find(objs, 'PersistentVolumeClaim'))).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '10Gi' } },
      storageClassName: 'gp3',
    });
    objs = renderService(
      input({ config: withVolumes, options: { storage: { size: '10Gi', storageClass: 'gp2' } }, cloud: 'aws' }),
    );
    expect(objs.some((o) => o.kind === 'StorageClass')).toBe(false);
    expect(spec(find(objs, 'PersistentVolumeClaim')).storageClassName).toBe('gp2');
    objs = renderService(input({ config: withVolumes, options: { storage: { size: '10Gi' } }, cloud: 'gcp' }));
    expect(objs.some((o) => o.kind === 'StorageClass')).toBe(false);
    expect(spec(find(objs, 'PersistentVolumeClaim')).storageClassName).toBeUndefined();
  });

  it('refuses EFS on gcp and Filestore on aws; the option schema names what is missing', () => {
    expect(
      thrown(() =>
        renderService(
          input({ config: withVolumes, options: { storage: { name: 'efs', id: 'fs-01234567' } }, cloud: 'gcp' }),
        ),
      ).message,
    ).toBe('shop-api: provider.options.storage.name: efs is AWS EFS storage: only the aws provider deploys it');
    expect(
      thrown(() =>
        renderService(input({ config: withVolumes, options: { storage: { name: 'efs', id: 'fs-01234567' } } })),
      ).message,
    ).toMatch(/only the aws provider/);
    expect(
      thrown(() =>
        renderService(
          input({
            config: withVolumes,
            options: { storage: { name: 'filestore', id: 'a/b', ip: '10.0.0.2' } },
            cloud: 'aws',
          }),
        ),
      ).message,
    ).toMatch(/filestore is Google Filestore storage: only the gcp provider deploys it/);
    // validate finds it too, at the option's path.
    expect(optionIssues(KubeServiceOptionsSchema, { storage: { name: 'efs', id: 'fs-01234567' } })).toEqual([
      { path: ['storage', 'name'], message: 'efs is AWS EFS storage: only the aws provider deploys it' },
    ]);
    expect(optionIssues(KubeServiceOptionsSchema, { storage: { name: 'efs', id: 'fs-01234567' } }, 'aws')).toEqual([]);
    expect(
      optionIssues(KubeServiceOptionsSchema, { storage: { name: 'filestore', id: 'a/b', ip: '10.0.0.2' } }, 'gcp'),
    ).toEqual([]);
    const issues = (v: unknown) =>
      KubeServiceOptionsSchema.safeParse({ storage: v }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ name: 'efs' })).toEqual(['storage.id: Invalid input: expected string, received undefined']);
    expect(issues({ name: 'efs', id: 'vol-1' })![0]).toMatch(/storage.id: expected an EFS file system id/);
    // The original's form, without the address (the gcp provider reads it at deploy); a wrong address is still refused.
    expect(issues({ name: 'filestore', id: 'us-central1-a/shared' })).toBeUndefined();
    expect(issues({ name: 'filestore', id: 'shared' })).toBeUndefined();
    expect(issues({ name: 'filestore', id: 'shared', ip: '10.0.0' })![0]).toMatch(/^storage.ip: /);
    expect(issues({ name: 'filestore', id: 'Bad_Name' })![0]).toMatch(/^storage.id: /);
    expect(issues({ name: 'nfs' })![0]).toMatch(/^storage.name: /);
    expect(issues({ size: '1Gi' })).toBeUndefined();
  });

  it('a claim made by an earlier pctl keeps its name (storageName)', () => {
    const objs = renderService(
      input({ config: withVolumes, options: { storage: { size: '1Gi' } }, storageName: 'shop-api-storage' }),
    );
    expect(find(objs, 'PersistentVolumeClaim').metadata.name).toBe('shop-api-storage');
    expect(spec(find(objs, 'Deployment')).template.spec.volumes).toEqual([
      { name: 'storage-0', persistentVolumeClaim: { claimName: 'shop-api-storage' } },
    ]);
  });
});

describe('volumes', () => {
  it('gives paths that differ in case or punctuation different sub-paths of the claim', () => {
    const objs = renderService(
      input({
        config: {
          volumes: [
            { path: '/var/lib/data' },
            { path: '/var/lib-data' },
            { path: '/VAR/LIB/DATA' },
            { path: '/var/lib/data/x' },
          ],
        },
        options: { storage: { size: '1Gi' } },
      }),
    );
    validateObjects(objs);
    const mounts = spec(find(objs, 'Deployment')).template.spec.containers[0].volumeMounts as {
      mountPath: string;
      subPath: string;
    }[];
    expect(mounts.map((m) => m.mountPath)).toEqual([
      '/var/lib/data',
      '/var/lib-data',
      '/VAR/LIB/DATA',
      '/var/lib/data/x',
    ]);
    expect(mounts[0]!.subPath).toBe('var-lib-data');
    expect(new Set(mounts.map((m) => m.subPath)).size).toBe(4);
    for (const m of mounts) expect(m.subPath).not.toContain('/');
  });

  it('refuses one path listed twice, naming both spellings', () => {
    expect(
      thrown(() => renderService(input({ config: { volumes: [{ path: '/data' }, { path: '/data/' }] } }))).message,
    ).toBe('volumes "/data" and "/data/" are the same mount path /data');
  });
});

describe('ports', () => {
  it('names Service ports by port and protocol, once each', () => {
    const objs = renderService(input({ config: { ports: [8080, '8080', '53:53/udp', '53:53/tcp'] } }));
    validateObjects(objs);
    expect(spec(find(objs, 'Service')).ports).toEqual([
      { name: 'p-8080', port: 8080, targetPort: 8080, protocol: 'TCP' },
      { name: 'p-53-udp', port: 53, targetPort: 53, protocol: 'UDP' },
      { name: 'p-53', port: 53, targetPort: 53, protocol: 'TCP' },
    ]);
  });

  it('renders a host address (ignored, with a plan note), ranges and UDP', () => {
    // The stack file schema takes these forms once the config work lands; render takes them already.
    const ports = ['127.0.0.1:8080:80', '8000-8002:9000-9002', '5353/udp'];
    const i = input();
    i.config = { ...i.config, ports };
    const objs = renderService(i);
    validateObjects(objs);
    expect(spec(find(objs, 'Service')).ports).toEqual([
      { name: 'p-8080', port: 8080, targetPort: 80, protocol: 'TCP' },
      { name: 'p-8000', port: 8000, targetPort: 9000, protocol: 'TCP' },
      { name: 'p-8001', port: 8001, targetPort: 9001, protocol: 'TCP' },
      { name: 'p-8002', port: 8002, targetPort: 9002, protocol: 'TCP' },
      { name: 'p-5353-udp', port: 5353, targetPort: 5353, protocol: 'UDP' },
    ]);
    expect(spec(find(objs, 'Deployment')).template.spec.containers[0].ports).toEqual([
      { containerPort: 80, protocol: 'TCP' },
      { containerPort: 9000, protocol: 'TCP' },
      { containerPort: 9001, protocol: 'TCP' },
      { containerPort: 9002, protocol: 'TCP' },
      { containerPort: 5353, protocol: 'UDP' },
    ]);
    expect(JSON.stringify(objs)).not.toContain('127.0.0.1');
    expect(renderNotes(i.config)).toEqual([
      'host address 127.0.0.1 in ports is ignored on Kubernetes: the Service listens on its cluster address',
    ]);
  });

  it('refuses two entries exposing one Service port for different container ports, naming both', () => {
    expect(thrown(() => renderService(input({ config: { ports: ['8080:80', '8080:81'] } }))).message).toBe(
      'ports "8080:80" and "8080:81" both expose 8080/tcp',
    );
  });
});
