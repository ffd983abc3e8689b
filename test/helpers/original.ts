// The original pctl's fingerprint, computed from its Providers API text (not by pctl's code):
// "sha256 over the sorted-keys JSON of the service without provider, plus the md5 of the
// Dockerfile when the image starts with ./".
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}

export function originalFingerprint(service: Record<string, unknown> & { image: string }, configDir: string): string {
  const { provider: _p, ...rest } = service;
  let text = JSON.stringify(sortKeys(rest));
  if (service.image.startsWith('./'))
    text += createHash('md5')
      .update(readFileSync(path.resolve(configDir, service.image)))
      .digest('hex');
  return createHash('sha256').update(text).digest('hex');
}

/** What the original pctl leaves on Kubernetes for one service, as `kubectl create` takes it: ServiceAccount, Deployment, Service (with ports). */
export function originalKubeObjects(o: {
  stack: string;
  service: string;
  namespace: string;
  image: string;
  command?: string;
  env?: Record<string, string>;
  ports?: string[];
}): Record<string, unknown>[] {
  const key = `${o.stack}-${o.service}`;
  const labels = { 'managed-by': 'pctl', 'pctl-stack': o.stack, 'pctl-service': key };
  const selector = { 'pctl-stack': o.stack, 'pctl-service': key };
  const meta = { name: key, namespace: o.namespace, labels };
  const container = {
    name: o.service,
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    ...(o.command ? { command: ['/bin/sh', '-c', o.command] } : {}),
    ...(o.env
      ? {
          env: Object.entries(o.env)
            .sort()
            .map(([name, value]) => ({ name, value })),
        }
      : {}),
    ...(o.ports ? { ports: o.ports.map((p) => ({ containerPort: Number(p), protocol: 'TCP' })) } : {}),
  };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta,
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: { metadata: { labels }, spec: { serviceAccountName: key, containers: [container] } },
      },
    },
    ...(o.ports
      ? [
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: meta,
            spec: {
              selector,
              ports: o.ports.map((p) => ({ port: Number(p), targetPort: Number(p), protocol: 'TCP' })),
            },
          },
        ]
      : []),
  ];
}
