// `dependsOn` entries and `kind: job`, read one way: a bare name or `{ service, condition }`,
// and the rules across services they bring (a condition the dependency can meet, job-only fields).
import { DEFAULT_JOB_TIMEOUT, seconds, type ServiceConfig } from './schema.js';

/** What a dependency must have reached before its dependent deploys; `deployed` is a bare name's (its deploy finished). */
export type DependsOnCondition = 'deployed' | 'started' | 'healthy' | 'completed';

export interface Dependency {
  service: string;
  condition: DependsOnCondition;
}

type WithDeps = { dependsOn?: readonly (string | { service: string; condition?: string })[] };

// Every entry of `dependsOn` as `{ service, condition }` (a bare name: `deployed`).
export function dependencies(svc: WithDeps | undefined): Dependency[] {
  return (svc?.dependsOn ?? []).map((d) =>
    typeof d === 'string'
      ? { service: d, condition: 'deployed' }
      : { service: d.service, condition: (d.condition ?? 'deployed') as DependsOnCondition },
  );
}

// The names a service depends on, in the order written.
export function dependencyNames(svc: WithDeps | undefined): string[] {
  return dependencies(svc).map((d) => d.service);
}

// The service runs to completion (`kind: job`).
export const isJob = (svc: { kind?: string } | undefined): boolean => svc?.kind === 'job';

// How long one run of a job may take, in seconds.
export function jobTimeoutSeconds(svc: { timeout?: number | string }): number {
  return seconds(svc.timeout ?? DEFAULT_JOB_TIMEOUT);
}

/** One rule broken: the path under `services.<name>` and the sentence. */
export interface KindIssue {
  path: (string | number)[];
  message: string;
}

// Job-only fields on a service, service-only fields on a job, and conditions the dependency cannot meet.
export function kindIssues(name: string, svc: ServiceConfig, services: Record<string, ServiceConfig>): KindIssue[] {
  const out: KindIssue[] = [];
  const job = isJob(svc);
  if (!job && svc.timeout !== undefined)
    out.push({ path: ['timeout'], message: 'timeout applies to a job: add kind: job, or remove timeout' });
  if (job) {
    const notForJobs: [keyof ServiceConfig, string][] = [
      ['ports', 'a job publishes no ports (use `pctl run` for a one-off with a shell)'],
      ['health', 'a job has no health check: it succeeds when it exits 0'],
      ['strategy', 'a job is not replaced: it runs again when it changes'],
      ['rollout', 'a job is not replaced: it runs again when it changes'],
    ];
    for (const [field, why] of notForJobs) if (svc[field] !== undefined) out.push({ path: [field], message: why });
    const replica = svc.scale?.replica;
    if (replica !== undefined && replica !== 1)
      out.push({
        path: ['scale', 'replica'],
        message: 'a job runs one container: remove scale.replica or set it to 1',
      });
    if (svc.manifests?.length)
      out.push({ path: ['manifests'], message: 'a job is rendered by pctl: remove manifests, or kind: job' });
  }
  for (const [i, d] of dependencies(svc).entries()) {
    const dep = services[d.service];
    if (!dep) continue;
    const at = ['dependsOn', i, 'condition'];
    if (d.condition === 'completed' && !isJob(dep))
      out.push({ path: at, message: `condition completed needs a job: add kind: job to ${d.service}, or use started` });
    if (d.condition === 'healthy' && isJob(dep))
      out.push({ path: at, message: `${d.service} is a job: it has no health, use condition: completed` });
    else if (d.condition === 'healthy' && !dep.health)
      out.push({
        path: at,
        message: `condition healthy needs a health check on ${d.service}: add health:, or use started`,
      });
    if (d.condition === 'started' && isJob(dep))
      out.push({
        path: at,
        message: `${d.service} is a job: its dependents wait for it to finish, use condition: completed`,
      });
  }
  return out;
}
