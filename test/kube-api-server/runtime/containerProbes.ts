// A running container's probes: startup gates liveness and readiness; readiness sets `ready`, a failed liveness or startup
// probe kills the container (its pod run then restarts it per the restart policy).
import type Dockerode from 'dockerode';
import type { ContainerRun } from './containerRun.js';
import type { ContainerSpec } from './podSpec.js';
import { probeOnce, runProbe } from './probes.js';

export interface ProbeTarget {
  docker: Dockerode;
  /** Wall-time milliseconds per probe second. */
  secondMs: number;
  /** The pod IP. */
  ip: string;
  /** An event about this container. */
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Readiness or startup changed. */
  changed(): void;
}

export function startProbes(c: ContainerRun, t: ProbeTarget): void {
  const { spec } = c;
  const secondMs = t.secondMs;
  const attempt = (p: NonNullable<ContainerSpec['readinessProbe']>) => () =>
    probeOnce(t.docker, c.id ?? '', t.ip, spec, p, Math.max(1, p.timeoutSeconds ?? 1) * Math.max(secondMs, 1000));
  const unhealthy = (kind: string, message: string) =>
    t.event('Warning', 'Unhealthy', `${kind} probe failed: ${message}`);
  let startedUp = !spec.startupProbe;
  c.started = startedUp;
  let readiness = !spec.readinessProbe;
  const update = (): void => {
    const ready = startedUp && readiness;
    if (ready !== c.ready || c.started !== startedUp) {
      c.ready = ready;
      c.started = startedUp;
      t.changed();
    }
  };
  const kill = (kind: string): void => {
    t.event('Normal', 'Killing', `Container ${spec.name} failed ${kind} probe, will be restarted`);
    void t.docker
      .getContainer(c.id ?? '')
      .kill()
      .catch(() => undefined);
  };
  const live = (): void => {
    if (spec.livenessProbe) {
      c.stopProbes.push(
        runProbe(spec.livenessProbe, secondMs, attempt(spec.livenessProbe), (state, r) => {
          if (!r.ok) unhealthy('Liveness', r.message);
          if (state === false) kill('liveness');
        }),
      );
    }
    if (spec.readinessProbe) {
      c.stopProbes.push(
        runProbe(spec.readinessProbe, secondMs, attempt(spec.readinessProbe), (state, r) => {
          if (!r.ok) unhealthy('Readiness', r.message);
          readiness = state === true;
          update();
        }),
      );
    }
  };
  if (spec.startupProbe) {
    const stop = runProbe(spec.startupProbe, secondMs, attempt(spec.startupProbe), (state, r) => {
      if (!r.ok) unhealthy('Startup', r.message);
      if (state === false) kill('startup');
      if (state === true && !startedUp) {
        stop();
        startedUp = true;
        live();
        update();
      }
    });
    c.stopProbes.push(stop);
  } else {
    live();
  }
  update();
}
