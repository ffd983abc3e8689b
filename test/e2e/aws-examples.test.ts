// The aws stack files of the original pctl's documentation (as far as
// /work/shared/reference/pctl-config-format.md lets us reconstruct them) and examples/aws:
// each validates, plans and renders unchanged, with no AWS account, no cluster and no
// Docker engine, and every rendered object is valid for Kubernetes.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, pctl, tempDir, writeTree } from '../helpers/cli.js';
import { validateObjects } from '../helpers/kube-schemas.js';

let tmp: ReturnType<typeof tempDir>;
// No AWS credentials, no kubeconfig, no Docker engine: none of these commands needs one.
const env = () => ({
  PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
  KUBECONFIG: path.join(tmp.dir, 'none'),
  DOCKER_HOST: 'unix:///nonexistent.sock',
  AWS_CONFIG_FILE: path.join(tmp.dir, 'none'),
  AWS_SHARED_CREDENTIALS_FILE: path.join(tmp.dir, 'none'),
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_EC2_METADATA_DISABLED: 'true',
  DB_PASSWORD: 'db-password-from-env',
  AWS_KEY: 'AKIAEXAMPLEEXAMPLE00',
  AWS_SECRET: 'example-secret-from-the-environment',
});

const DOCKERFILE = 'FROM busybox:latest\nCMD ["sleep", "3600"]\n';

// The original's documented forms: a Dockerfile path image, credentials from the
// environment, EBS and EFS storage, rbac, an autoscaled replica range, health checks, a
// registry (ECR and one with credentials), and docker beside aws.
const DOCS: Record<string, string> = {
  'minimal.yaml': `name: my-app
services:
  api:
    image: ./Dockerfile
    ports: [3000]
    provider:
      name: aws
      options:
        cluster: my-cluster
        namespace: my-app
`,
  'credentials-ebs.yaml': `name: shop
services:
  db:
    image: postgres:16
    env:
      POSTGRES_PASSWORD: \${env:DB_PASSWORD}
    ports: [5432]
    volumes:
      - path: /var/lib/postgresql/data
    provider:
      name: aws
      options:
        credentials:
          region: eu-west-1
          access_key_id: \${env:AWS_KEY}
          secret_access_key: \${env:AWS_SECRET}
        cluster: prod
        namespace: shop
        storage:
          size: 20Gi
`,
  'efs-rbac-hpa.yaml': `name: media
services:
  worker:
    image: ./Dockerfile
    command: node worker.js
    scale:
      replica: [2, 10]
      cpu: 500m
      memory: 512Mi
    health:
      interval: 10
      command: test -f /tmp/healthy
      retries: 3
      onfailure: restart
    volumes:
      - path: /media
    provider:
      name: aws
      options:
        cluster: prod
        namespace: media
        strategy: Recreate
        serviceAccount: media-worker
        rbac:
          - resources: [configmaps, secrets]
            verbs: [get, list, watch]
        storage:
          name: efs
          id: fs-0a1b2c3d4e5f60718
`,
  'registries.yaml': `name: platform
services:
  api:
    image: ./Dockerfile
    registry: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/api
    ports: ["8080:80"]
    provider:
      name: aws
      options:
        cluster: platform
        namespace: platform
  vendor:
    image: registry.example.com/vendor/tool:2.1
    registry:
      url: registry.example.com/vendor/tool
      username: deploy
      password: \${env:DB_PASSWORD}
    provider:
      name: aws
      options:
        cluster: platform
        namespace: platform
`,
  'mixed.yaml': `name: hybrid
services:
  cache:
    image: redis:7
    ports: [6379]
    provider:
      name: docker
  api:
    image: ./Dockerfile
    ports: [8080]
    env:
      CACHE_HOST: 10.0.0.5
    scale:
      replica: 3
    provider:
      name: aws
      options:
        cluster: prod
        namespace: hybrid
        strategy: RollingUpdate
`,
};

beforeAll(() => {
  tmp = tempDir();
  writeTree(path.join(tmp.dir, 'docs'), { ...DOCS, Dockerfile: DOCKERFILE });
  copyExample('aws', tmp.dir);
});
afterAll(() => tmp?.cleanup());

type Rendered = {
  key: string;
  provider: string;
  objects: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }[];
}[];

describe('aws stack files of the original documentation', () => {
  const files = [...Object.keys(DOCS).map((f) => ['docs', f]), ['aws', 'pctl.yaml']] as const;

  for (const [folder, file] of files) {
    it(`${folder}/${file} validates, plans and renders unchanged`, async () => {
      const cwd = path.join(tmp.dir, folder);
      for (const verb of ['validate', 'plan']) {
        const r = await pctl([verb, '-c', file], { cwd, env: env() });
        expect(r.stderr, `${verb}: ${r.stderr}`).toBe('');
        expect(r.exitCode).toBe(0);
      }
      const r = await pctl(['render', '--json', '-c', file], { cwd, env: env() });
      expect(r.exitCode, r.stderr).toBe(0);
      const rendered = JSON.parse(r.stdout).rendered as Rendered;
      const aws = rendered.filter((x) => x.provider === 'aws');
      expect(aws.length).toBeGreaterThan(0);
      for (const x of aws) {
        validateObjects(x.objects);
        expect(x.objects.map((o) => o.kind)).toContain('Deployment');
      }
      // Secrets from the environment never show (the registry password, the secret key).
      for (const secret of ['db-password-from-env', 'example-secret-from-the-environment'])
        expect(r.stdout).not.toContain(secret);
    });
  }

  it('renders what each form promises: EBS gp3 claim, EFS volume and RWX claim, HPA, RBAC, ECR images, a pull Secret', async () => {
    const render = async (file: string) =>
      JSON.parse((await pctl(['render', '--json', '-c', file], { cwd: path.join(tmp.dir, 'docs'), env: env() })).stdout)
        .rendered as Rendered;
    const kinds = (r: Rendered, key: string) =>
      r
        .find((x) => x.key === key)!
        .objects.map((o) => o.kind)
        .sort();
    const ebs = await render('credentials-ebs.yaml');
    expect(kinds(ebs, 'shop-db')).toEqual(expect.arrayContaining(['PersistentVolumeClaim', 'StorageClass']));
    const efs = await render('efs-rbac-hpa.yaml');
    expect(kinds(efs, 'media-worker')).toEqual(
      expect.arrayContaining([
        'HorizontalPodAutoscaler',
        'PersistentVolume',
        'PersistentVolumeClaim',
        'Role',
        'RoleBinding',
        'ServiceAccount',
        'StorageClass',
      ]),
    );
    const pv = efs[0]!.objects.find((o) => o.kind === 'PersistentVolume') as unknown as {
      spec: { csi: { driver: string; volumeHandle: string }; accessModes: string[] };
    };
    expect(pv.spec.csi).toMatchObject({ driver: 'efs.csi.aws.com', volumeHandle: 'fs-0a1b2c3d4e5f60718' });
    expect(pv.spec.accessModes).toEqual(['ReadWriteMany']);
    const regs = await render('registries.yaml');
    const image = (key: string) =>
      (
        regs.find((x) => x.key === key)!.objects.find((o) => o.kind === 'Deployment') as unknown as {
          spec: { template: { spec: { containers: { image: string }[] } } };
        }
      ).spec.template.spec.containers[0]!.image;
    expect(image('platform-api')).toMatch(
      /^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/platform\/api:[0-9a-f]{12}$/,
    );
    // The ECR registry needs no pull Secret (the nodes' role pulls); the other registry does.
    expect(kinds(regs, 'platform-api')).not.toContain('Secret');
    expect(
      regs
        .find((x) => x.key === 'platform-vendor')!
        .objects.some((o) => o.kind === 'Secret' && o.metadata.name.endsWith('-regcred')),
    ).toBe(true);
    const minimal = await render('minimal.yaml');
    expect(
      (
        minimal[0]!.objects.find((o) => o.kind === 'Deployment') as unknown as {
          spec: { template: { spec: { containers: { image: string }[] } } };
        }
      ).spec.template.spec.containers[0]!.image,
    ).toMatch(/^aws_account_id\.dkr\.ecr\.region\.amazonaws\.com\/my-app-api:[0-9a-f]{12}$/);
  });
});
