// The control loop: garbage collector, namespace and housekeeping controllers, workloads and the kubelet on one timer.
import type { Cluster } from './cluster.js';
import { GarbageCollector } from './garbageCollector.js';
import { Housekeeping } from './housekeeping.js';
import { Kubelet, type FailureRule, type UnschedulableRule } from './kubelet.js';
import type { Timing } from './timing.js';
import { WorkloadControllers } from './workloads.js';

export class ControlLoop {
  readonly errors: Error[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly parts: { tick(): void }[];
  private paused = false;

  constructor(
    cluster: Cluster,
    private readonly timing: Timing,
    failures: FailureRule[],
    unschedulable: UnschedulableRule[],
    /** Another kubelet (the Docker-backed one) in place of the simulated one; it reports asynchronous errors into `errors`. */
    kubelet?: (errors: Error[]) => { tick(): void },
  ) {
    this.parts = [
      new GarbageCollector(cluster),
      new Housekeeping(cluster, timing),
      new WorkloadControllers(cluster, timing),
      kubelet ? kubelet(this.errors) : new Kubelet(cluster, timing, failures, unschedulable),
    ];
  }

  /** One pass of every controller. */
  tick(): void {
    for (const p of this.parts) {
      try {
        p.tick();
      } catch (e) {
        this.errors.push(e as Error);
        if (this.errors.length > 100) this.errors.shift();
      }
    }
  }

  start(): void {
    this.stop();
    const loop = (): void => {
      if (!this.paused) this.tick();
      this.timer = setTimeout(loop, this.timing.tickMs);
      this.timer.unref();
    };
    this.timer = setTimeout(loop, this.timing.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }
}
