// What the conformance kit may skip on the Kubernetes providers (kind, aws, gcp) in the pass on
// pods that run: nothing. The kube skeleton implements logs, exec, portForward, sync and run, proven
// on the API test server's Docker-backed kubelet; a verb that goes missing fails the check.
import type { ConformanceReport } from '@pctl/provider-kit/conformance';
import type { ServiceConfig } from '@pctl/provider-kit';

export const INNER_LOOP_CHECKS: string[] = [];

/**
 * The inner-loop checks. The kit runs them in a second pass, on an API test server with the
 * Docker-backed kubelet (pods that really run), while the other checks keep the fast
 * simulated kubelet: the first pass skips exactly these.
 */
export const INNER_CHECK_IDS = [
  'logs',
  'logs-follow',
  'exec-exit-code',
  'exec-bytes',
  'port-forward',
  'sync',
  'run',
  'inner-loop-cleanup',
];

/** The ids of the checks a report skipped. */
export function skippedChecks(r: ConformanceReport): string[] {
  return r.results.filter((x) => x.skipped).map((x) => x.id);
}

/**
 * The conformance kit's inner-loop service for a Kubernetes provider: it prints its mark on
 * both streams and echoes port 7000 (busybox, on the Docker-backed kubelet).
 */
export function kubeInnerLoop(provider: ServiceConfig['provider']): { service: ServiceConfig; port: number } {
  return {
    service: {
      image: 'busybox:latest',
      command: 'echo "$PCTL_KIT_MARK"; echo "$PCTL_KIT_MARK-err" >&2; exec nc -ll -p 7000 -e cat',
      provider,
    } as ServiceConfig,
    port: 7000,
  };
}
