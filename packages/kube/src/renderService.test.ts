import { describe, it, expect } from 'vitest';
import { ServiceSchema, isPctlError } from '@pctl/core';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Secret } from 'kubernetes-models/v1/Secret';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolume } from 'kubernetes-models/v1/PersistentVolume';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { renderService, durationSeconds } from './renderService.js';
import { parsePortSpec } from './ports.js';
import { subPathFor } from './volumes.js';
import { KubeServiceOptionsSchema } from './types.js';
import type { KubeObject, RenderInput } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ModelCtor = new (data: any) => { validate(): void };
const MODELS: Record<string, ModelCtor> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Secret': Secret,
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolume': PersistentVolume,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/CronJob': CronJob,
  'batch/v1/Job': Job,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

function validateAll(objs: KubeObject[]): void {
  for (const o of objs) {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    if (!Model) throw new Error(`no schema model for ${o.apiVersion}/${o.kind}`);
    try {
      new Model(JSON.parse(JSON.stringify(o))).validate();
    } catch (e) {
      throw new Error(`${o.kind}/${o.metadata.name} is invalid: ${(e as Error).message}`);
    }
  }
}

function find(objs: KubeObject[], kind: string, name?: string): KubeObject {
  const o = objs.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`no ${kind}${name ? `/${name}` : ''} in ${objs.map((x) => x.kind).join(', ')}`);
  return o;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const spec = (o: KubeObject): any => o.spec;

function hasUndefined(v: unknown): boolean {
  if (v === undefined) return true;
  if (Array.isArray(v)) return v.some(hasUndefined);
  if (v !== null && typeof v === 'object') return Object.values(v).some(hasUndefined);
  return false;
}

const rawManifests = (): KubeObject[] => [
  {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'cleanup', labels: { app: 'cleanup' } },
    spec: {
      schedule: '0 * * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'OnFailure',
              containers: [
                { name: 'worker', image: 'pctl://worker', args: ['--target', 'pctl://api'] },
                { name: 'side', image: 'busybox:1.36', args: ['echo pctl://api is mentioned'] },
              ],
            },
          },
        },
      },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cfg', namespace: 'elsewhere' },
    data: { image: 'pctl://api' },
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'reader' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
  },
];

function richInput(): RenderInput {
  return {
    stack: 'shop',
    service: 'api',
    config: ServiceSchema.parse({
      image: 'ghcr.io/acme/api:1',
      command: 'node server.js --port "$PORT"',
      env: { ZED: 'last', ALPHA: 1, MIDDLE: true },
      scale: { replica: [2, 5], cpu: 0.5, memory: '512Mi' },
      ports: [80, '8080:3000', '53:5353/udp'],
      health: { interval: '15s', command: 'curl -fs localhost:3000/health', retries: 4, onfailure: 'restart' },
      volumes: [{ path: '/var/lib/data' }, { path: '/cache' }],
      manifests: ['extra.yaml'],
      provider: { name: 'kind' },
    }),
    image: 'registry.local/shop-api:abc123',
    namespace: 'shop-ns',
    options: KubeServiceOptionsSchema.parse({
      strategy: 'Recreate',
      rbac: [
        { resources: ['configmaps'], verbs: ['get', 'list'] },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'], resourceNames: ['api'] },
      ],
      storage: { size: '5Gi', nfs: { server: '10.0.0.5', path: '/exports/shop' } },
      serviceType: 'LoadBalancer',
    }),
    fingerprint: 'fp-rich-1',
    pullSecret: { server: 'registry.local:5000', username: 'bot', password: 's3cr3t' },
    manifests: rawManifests(),
    images: { api: 'registry.local/shop-api:abc123', worker: 'registry.local/shop-worker:def456' },
  };
}

function minimalInput(): RenderInput {
  return {
    stack: 'demo',
    service: 'web',
    config: ServiceSchema.parse({ image: 'nginx:1.27', provider: { name: 'kind' } }),
    image: 'nginx:1.27',
    namespace: 'demo',
    options: KubeServiceOptionsSchema.parse({}),
    fingerprint: 'fp-min',
  };
}

describe('renderService: rich service', () => {
  const input = richInput();
  const objs = renderService(input);

  it('returns objects in apply order', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/shop-ns',
      'ServiceAccount/shop-api',
      'Secret/shop-api-regcred',
      'Role/shop-api',
      'RoleBinding/shop-api',
      'PersistentVolume/shop-api',
      'PersistentVolumeClaim/shop-api',
      'Deployment/shop-api',
      'Service/shop-api',
      'HorizontalPodAutoscaler/shop-api',
      'CronJob/cleanup',
      'ConfigMap/cfg',
      'ClusterRole/reader',
    ]);
  });

  it('validates every object against the Kubernetes schemas', () => {
    validateAll(objs);
  });

  it('the schema validator does reject invalid objects', () => {
    const bad = structuredClone(find(objs, 'Deployment'));
    spec(bad).replicas = 'three';
    expect(() => validateAll([bad])).toThrow(/Deployment\/shop-api is invalid/);
  });

  it('labels and annotates every object', () => {
    for (const o of objs) {
      expect(o.metadata.labels).toMatchObject({
        'managed-by': 'pctl',
        'pctl-stack': 'shop',
        'pctl-service': 'shop-api',
      });
      expect(o.metadata.annotations).toMatchObject({ 'pctl/fingerprint': 'fp-rich-1' });
    }
  });

  it('puts namespaced objects in the namespace and cluster-scoped ones not', () => {
    for (const o of objs) {
      if (['Namespace', 'PersistentVolume', 'ClusterRole'].includes(o.kind))
        expect(o.metadata.namespace).toBeUndefined();
      else if (o.kind === 'ConfigMap') expect(o.metadata.namespace).toBe('elsewhere');
      else expect(o.metadata.namespace).toBe('shop-ns');
    }
  });

  it('renders the pull secret and links it from the service account', () => {
    const sa = find(objs, 'ServiceAccount');
    expect(sa.imagePullSecrets).toEqual([{ name: 'shop-api-regcred' }]);
    const secret = find(objs, 'Secret');
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    const data = secret.data as Record<string, string>;
    const cfg = JSON.parse(Buffer.from(data['.dockerconfigjson']!, 'base64').toString('utf8'));
    expect(cfg).toEqual({
      auths: {
        'registry.local:5000': {
          username: 'bot',
          password: 's3cr3t',
          auth: Buffer.from('bot:s3cr3t').toString('base64'),
        },
      },
    });
  });

  it('renders RBAC bound to the service account', () => {
    const role = find(objs, 'Role');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'], resourceNames: ['api'] },
    ]);
    const rb = find(objs, 'RoleBinding');
    expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'shop-api' });
    expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'shop-api', namespace: 'shop-ns' }]);
  });

  it('renders NFS storage as a PV bound to the PVC', () => {
    const pv = find(objs, 'PersistentVolume');
    expect(spec(pv).nfs).toEqual({ server: '10.0.0.5', path: '/exports/shop' });
    expect(spec(pv).capacity).toEqual({ storage: '5Gi' });
    const pvc = find(objs, 'PersistentVolumeClaim');
    expect(spec(pvc).volumeName).toBe('shop-api');
    expect(spec(pvc).resources).toEqual({ requests: { storage: '5Gi' } });
  });

  it('renders the deployment', () => {
    const d = find(objs, 'Deployment');
    const s = spec(d);
    // A replica range: the HPA owns replicas, so the Deployment leaves them out.
    expect(s.replicas).toBeUndefined();
    expect(s.strategy).toEqual({ type: 'Recreate' });
    expect(s.selector).toEqual({ matchLabels: { 'pctl-stack': 'shop', 'pctl-service': 'shop-api' } });
    expect(s.template.metadata.labels).toEqual({
      'managed-by': 'pctl',
      'pctl-stack': 'shop',
      'pctl-service': 'shop-api',
    });
    expect(s.template.spec.serviceAccountName).toBe('shop-api');
    const [c, ...rest] = s.template.spec.containers;
    expect(rest).toEqual([]);
    expect(c.name).toBe('api');
    expect(c.image).toBe('registry.local/shop-api:abc123');
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.command).toEqual(['/bin/sh', '-c', 'node server.js --port "$PORT"']);
    expect(c.env).toEqual([
      { name: 'ALPHA', value: '1' },
      { name: 'MIDDLE', value: 'true' },
      { name: 'ZED', value: 'last' },
    ]);
    expect(c.resources).toEqual({ limits: { cpu: '0.5', memory: '512Mi' }, requests: { cpu: '0.5', memory: '512Mi' } });
    expect(c.ports).toEqual([
      { containerPort: 80, protocol: 'TCP' },
      { containerPort: 3000, protocol: 'TCP' },
      { containerPort: 5353, protocol: 'UDP' },
    ]);
    expect(c.livenessProbe).toEqual({
      exec: { command: ['/bin/sh', '-c', 'curl -fs localhost:3000/health'] },
      periodSeconds: 15,
      failureThreshold: 4,
    });
    expect(c.readinessProbe).toBeUndefined();
    expect(c.volumeMounts).toEqual([
      { name: 'storage-0', mountPath: '/var/lib/data', subPath: 'var-lib-data' },
      { name: 'storage-1', mountPath: '/cache', subPath: 'cache' },
    ]);
    expect(s.template.spec.volumes).toEqual([
      { name: 'storage-0', persistentVolumeClaim: { claimName: 'shop-api' } },
      { name: 'storage-1', persistentVolumeClaim: { claimName: 'shop-api' } },
    ]);
  });

  it('renders the service with host:container ports', () => {
    const svc = find(objs, 'Service');
    expect(spec(svc)).toEqual({
      type: 'LoadBalancer',
      selector: { 'pctl-stack': 'shop', 'pctl-service': 'shop-api' },
      ports: [
        { name: 'p-80', port: 80, targetPort: 80, protocol: 'TCP' },
        { name: 'p-8080', port: 8080, targetPort: 3000, protocol: 'TCP' },
        { name: 'p-53-udp', port: 53, targetPort: 5353, protocol: 'UDP' },
      ],
    });
  });

  it('renders the HPA for a replica range', () => {
    const hpa = find(objs, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(spec(hpa)).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop-api' },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
      ],
    });
  });

  it('includes raw manifests with pctl:// references resolved and labels merged', () => {
    const cj = find(objs, 'CronJob');
    expect(cj.metadata.namespace).toBe('shop-ns');
    expect(cj.metadata.labels).toEqual({
      app: 'cleanup',
      'managed-by': 'pctl',
      'pctl-stack': 'shop',
      'pctl-service': 'shop-api',
    });
    const containers = spec(cj).jobTemplate.spec.template.spec.containers;
    expect(containers[0].image).toBe('registry.local/shop-worker:def456');
    expect(containers[0].args).toEqual(['--target', 'registry.local/shop-api:abc123']);
    expect(containers[1].args).toEqual(['echo pctl://api is mentioned']); // not a whole value: untouched
    expect(find(objs, 'ConfigMap').data).toEqual({ image: 'registry.local/shop-api:abc123' });
  });

  it('does not mutate its input', () => {
    expect(input.manifests).toEqual(rawManifests());
  });

  it('has no undefined fields and is deterministic', () => {
    expect(hasUndefined(objs)).toBe(false);
    const a = JSON.stringify(renderService(richInput()));
    const b = JSON.stringify(renderService(richInput()));
    expect(a).toBe(b);
    expect(JSON.stringify(objs)).toBe(a);
  });

  it('env order does not depend on the config key order', () => {
    const i2 = richInput();
    i2.config = { ...i2.config, env: { MIDDLE: 'true', ZED: 'last', ALPHA: '1' } };
    expect(JSON.stringify(renderService(i2))).toBe(JSON.stringify(objs));
  });
});

describe('renderService: minimal service', () => {
  const objs = renderService(minimalInput());

  it('renders only Namespace, ServiceAccount and Deployment', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/demo',
      'ServiceAccount/demo-web',
      'Deployment/demo-web',
    ]);
  });

  it('validates against the Kubernetes schemas and is labelled', () => {
    validateAll(objs);
    for (const o of objs) {
      expect(o.metadata.labels).toEqual({ 'managed-by': 'pctl', 'pctl-stack': 'demo', 'pctl-service': 'demo-web' });
      expect(o.metadata.annotations).toEqual({ 'pctl/fingerprint': 'fp-min' });
    }
    expect(hasUndefined(objs)).toBe(false);
  });

  it('uses defaults: 1 replica, RollingUpdate, no command/env/resources/probes', () => {
    const s = spec(find(objs, 'Deployment'));
    expect(s.replicas).toBe(1);
    expect(s.strategy).toEqual({ type: 'RollingUpdate' });
    expect(s.template.spec.volumes).toBeUndefined();
    expect(s.template.spec.containers).toEqual([{ name: 'web', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' }]);
    expect(find(objs, 'ServiceAccount').imagePullSecrets).toBeUndefined();
  });
});

describe('renderService: variants', () => {
  it('a fixed replica count has no HPA; ports make a ClusterIP Service', () => {
    const input = minimalInput();
    input.config = ServiceSchema.parse({
      image: 'nginx',
      scale: { replica: 3 },
      ports: [8080],
      provider: { name: 'kind' },
    });
    const objs = renderService(input);
    validateAll(objs);
    expect(objs.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
    expect(spec(find(objs, 'Deployment')).replicas).toBe(3);
    expect(spec(find(objs, 'Service'))).toEqual({
      type: 'ClusterIP',
      selector: { 'pctl-stack': 'demo', 'pctl-service': 'demo-web' },
      ports: [{ name: 'p-8080', port: 8080, targetPort: 8080, protocol: 'TCP' }],
    });
  });

  it('a replica range without ports has an HPA but no Service', () => {
    const input = minimalInput();
    input.config = ServiceSchema.parse({ image: 'nginx', scale: { replica: [1, 3] }, provider: { name: 'kind' } });
    const objs = renderService(input);
    validateAll(objs);
    expect(objs.map((o) => o.kind)).toEqual(['Namespace', 'ServiceAccount', 'Deployment', 'HorizontalPodAutoscaler']);
  });

  it('health with onfailure stop is a readiness probe; numeric interval is seconds', () => {
    const input = minimalInput();
    input.config = ServiceSchema.parse({
      image: 'nginx',
      health: { command: 'true', interval: 7, onfailure: 'stop' },
      provider: { name: 'kind' },
    });
    const objs = renderService(input);
    validateAll(objs);
    const c = spec(find(objs, 'Deployment')).template.spec.containers[0];
    expect(c.readinessProbe).toEqual({
      exec: { command: ['/bin/sh', '-c', 'true'] },
      periodSeconds: 7,
      failureThreshold: 3,
    });
    expect(c.livenessProbe).toBeUndefined();
  });

  it('volumes without storage use emptyDir and make no PVC; storage without nfs makes no PV', () => {
    const input = minimalInput();
    input.config = ServiceSchema.parse({ image: 'nginx', volumes: [{ path: '/data' }], provider: { name: 'kind' } });
    let objs = renderService(input);
    validateAll(objs);
    expect(spec(find(objs, 'Deployment')).template.spec.volumes).toEqual([{ name: 'storage-0', emptyDir: {} }]);
    expect(objs.some((o) => o.kind === 'PersistentVolumeClaim')).toBe(false);

    input.options = KubeServiceOptionsSchema.parse({
      storage: { size: '1Gi', storageClass: 'standard' },
      serviceAccount: 'custom-sa',
    });
    objs = renderService(input);
    validateAll(objs);
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/demo',
      'ServiceAccount/custom-sa',
      'PersistentVolumeClaim/demo-web',
      'Deployment/demo-web',
    ]);
    expect(spec(find(objs, 'PersistentVolumeClaim'))).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      storageClassName: 'standard',
    });
    expect(spec(find(objs, 'Deployment')).template.spec.serviceAccountName).toBe('custom-sa');
  });

  it('an unknown pctl:// name throws a PctlError naming it', () => {
    const input = richInput();
    input.images = { api: 'x:1' };
    let err: unknown;
    try {
      renderService(input);
    } catch (e) {
      err = e;
    }
    expect(isPctlError(err)).toBe(true);
    expect((err as Error).message).toContain('pctl://worker');
    expect((err as Error).message).toContain('CronJob/cleanup');
  });

  it('without an images map any pctl:// reference throws', () => {
    const input = richInput();
    delete input.images;
    expect(() => renderService(input)).toThrow(/pctl:\/\/worker/);
  });
});

describe('helpers', () => {
  it('parsePortSpec', () => {
    expect(parsePortSpec(80)).toEqual([{ containerPort: 80, protocol: 'tcp' }]);
    expect(parsePortSpec('443')).toEqual([{ containerPort: 443, protocol: 'tcp' }]);
    expect(parsePortSpec('8080:80/tcp')).toEqual([{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
    expect(parsePortSpec('53/udp')).toEqual([{ containerPort: 53, protocol: 'udp' }]);
    expect(parsePortSpec('127.0.0.1:8080:80')).toEqual([
      { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
    ]);
    expect(parsePortSpec('[::1]:8080:80')).toEqual([
      { hostIp: '::1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
    ]);
    expect(parsePortSpec('127.0.0.1::80/udp')).toEqual([{ hostIp: '127.0.0.1', containerPort: 80, protocol: 'udp' }]);
    expect(parsePortSpec('8000-8002:9000-9002')).toEqual([
      { hostPort: 8000, containerPort: 9000, protocol: 'tcp' },
      { hostPort: 8001, containerPort: 9001, protocol: 'tcp' },
      { hostPort: 8002, containerPort: 9002, protocol: 'tcp' },
    ]);
    expect(parsePortSpec('7000-7001')).toEqual([
      { containerPort: 7000, protocol: 'tcp' },
      { containerPort: 7001, protocol: 'tcp' },
    ]);
    expect(() => parsePortSpec('99999')).toThrow(/outside/);
    expect(() => parsePortSpec('0')).toThrow(/outside/);
    expect(() => parsePortSpec('8000-8002:80')).toThrow(/host range 8000-8002 and container range 80 differ in length/);
    expect(() => parsePortSpec('9-3')).toThrow(/backwards/);
    expect(() => parsePortSpec('a:b')).toThrow(/invalid port/);
  });

  it('durationSeconds', () => {
    expect(durationSeconds(10)).toBe(10);
    expect(durationSeconds('10s')).toBe(10);
    expect(durationSeconds('10')).toBe(10);
    expect(durationSeconds('2m')).toBe(120);
    expect(durationSeconds('1h')).toBe(3600);
    expect(durationSeconds('500ms')).toBe(1);
  });

  it('subPathFor', () => {
    expect(subPathFor('/var/lib/data')).toBe('var-lib-data');
    expect(subPathFor('/')).toBe('root');
    expect(subPathFor('/cache/')).toBe('cache');
    expect(subPathFor('/My_Data/')).toMatch(/^my-data--[0-9a-f]{10}$/);
  });
});

describe('renderService: kind: job', () => {
  it('renders a batch/v1 Job (one pod, no retry, the timeout as activeDeadlineSeconds) in place of the Deployment', () => {
    const input = minimalInput();
    input.config = ServiceSchema.parse({
      kind: 'job',
      image: 'nginx:1.27',
      command: 'migrate up',
      timeout: '2m',
      provider: { name: 'kind' },
    });
    const objs = renderService(input);
    validateAll(objs);
    expect(objs.map((o) => o.kind)).toEqual(['Namespace', 'ServiceAccount', 'Job']);
    const job = spec(find(objs, 'Job', 'demo-web'));
    expect(job.backoffLimit).toBe(0);
    expect(job.activeDeadlineSeconds).toBe(120);
    expect(job.template.spec.restartPolicy).toBe('Never');
    expect(job.template.spec.containers[0].command).toEqual(['/bin/sh', '-c', 'migrate up']);
    expect(job.selector).toBeUndefined();
  });
});
