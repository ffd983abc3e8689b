import { describe, expect, it } from 'vitest';
import { ServiceSchema } from '@pctl/core';
import { Pod } from 'kubernetes-models/v1/Pod';
import { renderService } from '../../renderService.js';
import { KubeServiceOptionsSchema, type KubeObject, type RenderInput } from '../../types.js';
import { isRunPodOf, runPod, runPodName, runSelector } from './runPod.js';

const input = (o: Partial<RenderInput> = {}): RenderInput => ({
  stack: 'shop',
  service: 'api',
  config: ServiceSchema.parse({
    image: 'ghcr.io/acme/api:1',
    command: 'node server.js',
    env: { PLAIN: 'x', DB_PASSWORD: 'hunter2' },
    ports: [80],
    health: { interval: '15s', command: 'true', retries: 4, onfailure: 'stop' },
    volumes: [{ path: '/var/lib/data' }],
    provider: { name: 'kind' },
  }),
  image: 'registry.local/shop-api:abc123',
  namespace: 'shop-ns',
  options: KubeServiceOptionsSchema.parse({ storage: { size: '1Gi' }, serviceAccount: 'robot' }),
  fingerprint: 'fp',
  secrets: ['hunter2'],
  pullSecret: { server: 'registry.local', username: 'bot', password: 'pull-pass' },
  ...o,
});
const opts = { stack: 'shop', service: 'api', name: 'shop-api-run-abc123', stdin: true, tty: false };
const spec = (p: KubeObject) =>
  p.spec as {
    restartPolicy: string;
    serviceAccountName: string;
    volumes: unknown[];
    containers: Record<string, unknown>[];
  };

describe('the one-off pod of pctl run', () => {
  const objs = renderService(input());
  const deployment = objs.find((o) => o.kind === 'Deployment')!;
  const template = (deployment.spec as { template: { spec: ReturnType<typeof spec> } }).template.spec;
  const pod = runPod(objs, { ...opts, command: ['sh', '-c', 'echo $PLAIN'] });

  it("is the Deployment's pod template: image, env by secretKeyRef, volumes, service account; a valid Pod", () => {
    new Pod(JSON.parse(JSON.stringify(pod))).validate();
    expect(pod.metadata).toMatchObject({ name: 'shop-api-run-abc123', namespace: 'shop-ns' });
    expect(spec(pod).serviceAccountName).toBe('robot');
    expect(spec(pod).volumes).toEqual(template.volumes);
    const c = spec(pod).containers[0]!;
    expect(c.image).toBe('registry.local/shop-api:abc123');
    expect(c.env).toEqual(template.containers[0]!.env);
    expect(c.volumeMounts).toEqual(template.containers[0]!.volumeMounts);
    expect(JSON.stringify(pod)).not.toContain('hunter2');
    expect(JSON.stringify(pod)).not.toContain('pull-pass');
  });

  it('runs once, the command after -- as its argument array, no probes, no ports, stdin as asked', () => {
    const c = spec(pod).containers[0]!;
    expect(spec(pod).restartPolicy).toBe('Never');
    expect(c.command).toEqual(['sh', '-c', 'echo $PLAIN']);
    expect(c).not.toHaveProperty('args');
    expect(c).not.toHaveProperty('readinessProbe');
    expect(c).not.toHaveProperty('ports');
    expect(c).toMatchObject({ stdin: true, stdinOnce: true, tty: false });
    // Without a command: the service's own.
    expect(spec(runPod(objs, opts)).containers[0]!.command).toEqual(template.containers[0]!.command);
  });

  it("carries pctl-run, not pctl-service: the Service's selector does not match it", () => {
    expect(pod.metadata.labels).toEqual({ 'managed-by': 'pctl', 'pctl-stack': 'shop', 'pctl-run': 'shop-api' });
    const selector = (objs.find((o) => o.kind === 'Service')!.spec as { selector: Record<string, string> }).selector;
    const labels = pod.metadata.labels as Record<string, string>;
    expect(Object.entries(selector).every(([k, v]) => labels[k] === v)).toBe(false);
    expect(runSelector('shop', 'api')).toBe('managed-by=pctl,pctl-stack=shop,pctl-run=shop-api');
    expect(isRunPodOf(pod, 'shop', 'api')).toBe(true);
    expect(isRunPodOf(pod, 'shop', 'web')).toBe(false);
    expect(isRunPodOf({ ...pod, metadata: { ...pod.metadata, labels: { 'pctl-stack': 'shop' } } }, 'shop', 'api')).toBe(
      false,
    );
  });

  it('is named <stack>-<service>-run-<hex>, a DNS label of at most 63 characters', () => {
    expect(runPodName('shop', 'api')).toMatch(/^shop-api-run-[0-9a-f]{6}$/);
    const long = runPodName('a'.repeat(40), `${'b'.repeat(30)}-`, 'ffffff');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(long.endsWith('-run-ffffff')).toBe(true);
  });
});
