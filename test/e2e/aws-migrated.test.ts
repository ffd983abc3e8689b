// A stack file written for the original pctl, deployed for real with the aws provider (EKS on
// the Kubernetes API test server, the AWS control-plane fake): `My_App`-style names become
// DNS names by one rule, Docker's port forms become container and Service ports, EFS storage
// becomes the CSI PersistentVolume, StorageClass and ReadWriteMany claim EKS needs, and the
// claim binds. Then destroy leaves nothing.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctl, writeTree } from '../helpers/cli.js';
import { requireDocker } from '../helpers/docker.js';
import { startAwsWorld, type AwsWorld } from '../helpers/awsWorld.js';
import { labelledObjects } from '../helpers/kube-observe.js';

const REGION = 'eu-west-1';
const DB_PASSWORD = 'ssm-secure-value-5b1e';
let w: AwsWorld;
let dir: string;

const STACK_FILE = `name: My_App
description: the shop, as the original's docs wrote it
version: 3
services:
  my_api:
    image: busybox:latest
    command: httpd -f -p 80 -h /www
    ports:
      - "127.0.0.1:8080:80"
      - "8000-8002:8000-8002"
      - "5353:53/udp"
    volumes:
      - path: /shared
    provider:
      name: aws
      options:
        cluster: prod
        namespace: my-app
        storage: { name: efs, id: fs-0123456789abcdef0 }
`;

type Obj = {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: { phase?: string };
};
const get = (kind: string, ns: string | undefined, name: string) => w.kube.get(kind, ns, name) as Obj | undefined;

beforeAll(async () => {
  await requireDocker();
  w = await startAwsWorld({
    accountId: '161803398874',
    region: REGION,
    cluster: 'prod',
    credentials: [{ accessKeyId: 'AKIAPCTLE2EMIGRATED1', secretAccessKey: 'pctl-e2e/migrated+Key00000000000000001' }],
    registryPassword: 'unused-registry-password-9a7',
    parameters: { '/shop/db-host': 'db.internal', '/shop/db-password': { value: DB_PASSWORD, type: 'SecureString' } },
    stacks: {
      network: [
        { key: 'VpcId', value: 'vpc-0abc', exportName: 'shared-vpc' },
        { key: 'SubnetA', value: 'subnet-a', exportName: 'subnet-a' },
        { key: 'Region', value: 'eu-west-1' },
      ],
      data: [{ key: 'Bucket', value: 'shop-bucket', exportName: 'shop-bucket' }],
    },
  });
  dir = path.join(w.dir, 'stack');
  writeTree(dir, { 'pctl.yaml': STACK_FILE });
}, 120_000);
afterAll(async () => w?.stop(), 60_000);

describe('an original aws stack file, deployed on EKS unchanged', () => {
  it('validates, then deploys with derived names, every port form and EFS storage', async () => {
    const env = { ...w.env, AWS_REGION: REGION };
    const v = await pctl(['validate'], { cwd: dir, env });
    expect(v.exitCode, v.stderr).toBe(0);
    const r = await pctl(['deploy', '--json'], { cwd: dir, env });
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).services).toEqual([
      expect.objectContaining({ key: 'My_App-my_api', result: 'deployed' }),
    ]);
    expect(Object.keys(JSON.parse(readFileSync(path.join(dir, 'pctl.My_App.json'), 'utf8')))).toEqual([
      'My_App-my_api',
    ]);

    // One rule names everything: the Deployment, Service, ServiceAccount and claim; labels keep the names as written.
    const d = get('Deployment', 'my-app', 'my-app-my-api') as Obj & {
      spec: { template: { spec: { containers: { ports: unknown[]; volumeMounts: unknown[] }[]; volumes: unknown[] } } };
    };
    expect(d.metadata.labels).toMatchObject({
      'managed-by': 'pctl',
      'pctl-stack': 'My_App',
      'pctl-service': 'My_App-my_api',
    });
    expect(get('ServiceAccount', 'my-app', 'my-app-my-api')).toBeTruthy();
    const c = d.spec.template.spec.containers[0]!;
    expect(c.ports).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ containerPort: 80, protocol: 'TCP' }),
        expect.objectContaining({ containerPort: 8000, protocol: 'TCP' }),
        expect.objectContaining({ containerPort: 8002, protocol: 'TCP' }),
        expect.objectContaining({ containerPort: 53, protocol: 'UDP' }),
      ]),
    );
    const svc = get('Service', 'my-app', 'my-app-my-api') as Obj & {
      spec: { ports: { port: number; targetPort: number; protocol: string }[] };
    };
    expect(svc.spec.ports.map((p) => [p.port, p.targetPort, p.protocol])).toEqual(
      expect.arrayContaining([
        [8080, 80, 'TCP'],
        [8000, 8000, 'TCP'],
        [8001, 8001, 'TCP'],
        [8002, 8002, 'TCP'],
        [5353, 53, 'UDP'],
      ]),
    );

    // EFS: the shared class, a CSI volume with the file system's id, a ReadWriteMany claim bound to it, mounted.
    expect((get('StorageClass', undefined, 'efs-sc') as Obj & { provisioner?: string })?.provisioner).toBe(
      'efs.csi.aws.com',
    );
    const pv = get('PersistentVolume', undefined, 'my-app-my-api') as Obj & {
      spec: { csi: { driver: string; volumeHandle: string } };
    };
    expect(pv.spec.csi).toMatchObject({ driver: 'efs.csi.aws.com', volumeHandle: 'fs-0123456789abcdef0' });
    const pvc = get('PersistentVolumeClaim', 'my-app', 'my-app-my-api') as Obj & {
      spec: { accessModes: string[]; volumeName: string };
    };
    expect(pvc.spec).toMatchObject({ accessModes: ['ReadWriteMany'], volumeName: 'my-app-my-api' });
    await w.kube.waitFor(
      () => get('PersistentVolumeClaim', 'my-app', 'my-app-my-api')?.status?.phase === 'Bound',
      60_000,
    );
    expect(d.spec.template.spec.volumes).toEqual([
      { name: 'storage-0', persistentVolumeClaim: { claimName: 'my-app-my-api' } },
    ]);
  });

  it('resolves ${ssm:...} and ${cfn:...} through the SDKs at deploy, a fallback where a look-up finds nothing; values SSM gave go to the env Secret', async () => {
    const resolved = path.join(w.dir, 'resolved');
    writeTree(resolved, {
      'pctl.yaml': `name: lookups
services:
  api:
    image: busybox:latest
    command: sleep 3600
    env:
      DB_HOST: \${ssm:/shop/db-host}
      DB_PASSWORD: \${ssm:/shop/db-password}
      VPC: \${cfn:shared-vpc}
      BUCKET: \${cfn:shop-bucket}
      STACK_REGION: \${cfn:network.Region}
      MISSING: \${ssm:/shop/not-there, from-the-fallback}
      NO_EXPORT: \${cfn:no-such-export, default-export}
    provider:
      name: aws
      options: { cluster: prod, namespace: lookups }
`,
    });
    const env = { ...w.env, AWS_REGION: REGION };
    const r = await pctl(['deploy', '--verbose'], { cwd: resolved, env });
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toContain(DB_PASSWORD);
    // The export is the third one: ListExports was followed past its first page.
    expect(w.fake.calls.filter((c) => c.op === 'ListExports' && c.status === 200).length).toBeGreaterThanOrEqual(2);
    expect(w.fake.calls.filter((c) => c.op === 'GetParameter').map((c) => c.status)).toEqual(
      expect.arrayContaining([200, 400]),
    );
    const d = get('Deployment', 'lookups', 'lookups-api') as Obj & {
      spec: { template: { spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[] } } };
    };
    const byName = Object.fromEntries(
      d.spec.template.spec.containers[0]!.env.map((e) => [e.name, e.value ?? 'from the Secret']),
    );
    expect(byName).toEqual({
      BUCKET: 'shop-bucket',
      DB_HOST: 'from the Secret',
      DB_PASSWORD: 'from the Secret',
      MISSING: 'from-the-fallback',
      NO_EXPORT: 'default-export',
      STACK_REGION: 'eu-west-1',
      VPC: 'vpc-0abc',
    });
    const secret = get('Secret', 'lookups', 'lookups-api-env') as Obj & { data: Record<string, string> };
    const data = Object.fromEntries(
      Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
    expect(data).toEqual({ DB_HOST: 'db.internal', DB_PASSWORD: DB_PASSWORD });
    expect(readFileSync(path.join(resolved, 'pctl.lookups.json'), 'utf8')).not.toContain(DB_PASSWORD);

    // Without the fallback, a look-up that finds nothing stops the run naming the reference, before anything is deployed.
    writeTree(resolved, {
      'pctl.yaml': readFileSync(path.join(resolved, 'pctl.yaml'), 'utf8').replace(
        '${ssm:/shop/not-there, from-the-fallback}',
        '${ssm:/shop/not-there}',
      ),
    });
    const missing = await pctl(['plan'], { cwd: resolved, env });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(
      /pctl\.yaml:\d+ services\.api\.env\.MISSING: .*\/shop\/not-there.*parameter not found/,
    );
    writeTree(resolved, {
      'pctl.yaml': readFileSync(path.join(resolved, 'pctl.yaml'), 'utf8').replace(
        '${ssm:/shop/not-there}',
        '${ssm:/shop/not-there, from-the-fallback}',
      ),
    });
    const destroyed = await pctl(['destroy'], { cwd: resolved, env });
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(labelledObjects(w.kube, 'lookups')).toEqual([]);
  });

  it('destroys it all, and waits until it is gone', async () => {
    const r = await pctl(['destroy'], { cwd: dir, env: { ...w.env, AWS_REGION: REGION } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(labelledObjects(w.kube, 'My_App')).toEqual([]);
    expect(get('PersistentVolume', undefined, 'my-app-my-api')).toBeUndefined();
    expect(get('StorageClass', undefined, 'efs-sc')).toBeUndefined();
  });
});
