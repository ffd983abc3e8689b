// What the conformance kit may skip on the Kubernetes providers (kind, aws, gcp): the
// inner-loop checks, because those providers do not implement logs, exec and portForward yet
// (issue 22: the kube skeleton will, on the API test server's Docker-backed kubelet). Every
// other check must run; when the verbs land, this list goes and nothing may be skipped.
import type { ConformanceReport } from '@pctl/provider-kit/conformance';

export const INNER_LOOP_CHECKS = [
  'logs',
  'logs-follow',
  'exec-exit-code',
  'exec-bytes',
  'port-forward',
  'sync',
  'inner-loop-cleanup',
];

/** The ids of the checks a report skipped. */
export function skippedChecks(r: ConformanceReport): string[] {
  return r.results.filter((x) => x.skipped).map((x) => x.id);
}
