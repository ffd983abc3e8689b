// How fast the simulated control plane moves; every delay is in milliseconds of wall time.
export interface Timing {
  /** Interval of the controller loop. */
  tickMs: number;
  /** From a pod being scheduled to its containers running (or failing to pull). */
  podStartMs: number;
  /** From a graceful pod deletion to the pod being gone. */
  podTerminationMs: number;
  /** How long an emptied Terminating namespace lingers before it is removed. */
  namespaceFinalizeMs: number;
  /** From PVC creation to Bound. */
  pvcBindMs: number;
  /** From LoadBalancer Service creation to an ingress IP in its status. */
  loadBalancerMs: number;
  /** Wall-time milliseconds per second of `progressDeadlineSeconds` (600 s -> 6 s at the default 10). */
  progressDeadlineMsPerSecond: number;
  /** Interval at which failing pods repeat their BackOff events and crash-looping containers restart. */
  backOffMs: number;
  /** How long a Job pod runs before it succeeds. */
  jobRunMs: number;
  /** Docker runtime: wall-time milliseconds per second of a probe's `periodSeconds`/`initialDelaySeconds`/`timeoutSeconds`. */
  probeSecondMs: number;
}

export const defaultTiming: Timing = {
  tickMs: 25,
  podStartMs: 150,
  podTerminationMs: 100,
  namespaceFinalizeMs: 250,
  pvcBindMs: 50,
  loadBalancerMs: 100,
  progressDeadlineMsPerSecond: 10,
  backOffMs: 300,
  jobRunMs: 200,
  probeSecondMs: 100,
};
