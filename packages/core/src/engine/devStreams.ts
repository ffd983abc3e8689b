// What runs beside `pctl dev`'s watching: the merged logs of the watched services and the
// port-forwards of their ports, through the logs and port-forward engines (so through the
// provider verbs). Both outlive a redeploy: logs follow the replicas that replace the old
// ones, a forward dials the replica running at each connection. They restart only when
// what they cover changes (a service added, a port changed).
import { parsePortEntry } from '../config/ports.js';
import { toPctlError } from '../errors.js';
import type { ReplicaEvent } from '../contract.js';
import { runLogs, type LogRecord } from './logs.js';
import { runPortForward, type Forward } from './portForward.js';
import type { SessionOptions } from './session.js';
import type { StackConfig } from '../config/schema.js';

export interface StreamsSink {
  line(record: LogRecord): void;
  replica(service: string, event: ReplicaEvent): void;
  forwarding(f: Forward): void;
  /** A stream that could not start or ended with an error (watching goes on). */
  failed(what: { service?: string; stream: 'logs' | 'forward'; message: string; code: string }): void;
}

interface Running {
  key: string;
  stop: AbortController;
  done: Promise<void>;
}

// The local:remote forwards of a service's tcp ports: its published host port when it has one.
export function forwardsOf(config: StackConfig, service: string): string[] {
  const out: string[] = [];
  for (const entry of config.services[service]?.ports ?? []) {
    const p = parsePortEntry(entry);
    if (typeof p === 'string' || p.protocol !== 'tcp') continue;
    for (let i = 0; i < p.range; i++)
      out.push(`${p.hostPort !== undefined ? p.hostPort + i : p.containerPort + i}:${p.containerPort + i}`);
  }
  return out;
}

export class DevStreams {
  private logs?: Running;
  private readonly forwards = new Map<string, Running>();
  /** Forwards whose local port was taken: not tried again while wanted. */
  private readonly taken = new Set<string>();

  constructor(
    private readonly opts: SessionOptions,
    private readonly sink: StreamsSink,
  ) {}

  // Follows the logs of these services (restarted only when the set changes); none stops them.
  async followLogs(services: string[]): Promise<void> {
    const key = [...services].sort().join(',');
    if (this.logs?.key === key) return;
    await this.stopOne(this.logs);
    this.logs = undefined;
    if (!services.length) return;
    const stop = this.linked();
    const done = runLogs(
      { ...this.opts, signal: stop.signal, only: services, follow: true, tail: 10, previous: false },
      this.sink,
    )
      .then(() => undefined)
      .catch((e: unknown) => {
        const err = toPctlError(e);
        if (!stop.signal.aborted) this.sink.failed({ stream: 'logs', message: err.oneLine(), code: err.code });
      })
      // Ended (the engine went away, a failure): the next deploy starts it again.
      .finally(() => {
        if (this.logs?.done === done) this.logs = undefined;
      });
    this.logs = { key, stop, done };
  }

  // Forwards each port of each service (per port: one that is taken does not stop the others).
  async forward(wanted: Map<string, string[]>): Promise<void> {
    const keys = new Set<string>();
    for (const [service, ports] of wanted) for (const p of ports) keys.add(`${service} ${p}`);
    for (const [k, r] of [...this.forwards]) {
      if (keys.has(k)) continue;
      this.forwards.delete(k);
      await this.stopOne(r);
    }
    for (const k of [...this.taken]) if (!keys.has(k)) this.taken.delete(k);
    for (const k of keys) {
      if (this.forwards.has(k) || this.taken.has(k)) continue;
      const [service, port] = k.split(' ') as [string, string];
      const stop = this.linked();
      const done = runPortForward({
        ...this.opts,
        signal: stop.signal,
        service,
        ports: [port],
        onReady: (all) => all.forEach((f) => this.sink.forwarding(f)),
        onConnectionError: (f, e) =>
          this.sink.failed({ service: f.service, stream: 'forward', message: e.message, code: 'ProviderFailed' }),
      })
        .then(() => undefined)
        .catch((e: unknown) => {
          const err = toPctlError(e);
          this.forwards.delete(k);
          // A taken port is said without port-forward's own hint (choose another port): dev picks none.
          const message = err.code === 'LocalPortInUse' ? err.message : err.oneLine();
          // Said once: a port taken here (a published one) is not tried again at each deploy.
          if (err.code === 'LocalPortInUse') this.taken.add(k);
          if (!stop.signal.aborted) this.sink.failed({ service, stream: 'forward', message, code: err.code });
        });
      this.forwards.set(k, { key: k, stop, done });
    }
  }

  // Stops every stream and waits until each has closed what it held.
  async close(): Promise<void> {
    await this.stopOne(this.logs);
    this.logs = undefined;
    await Promise.all([...this.forwards.values()].map((r) => this.stopOne(r)));
    this.forwards.clear();
  }

  // A signal aborted by close or by the user's interrupt.
  private linked(): AbortController {
    const c = new AbortController();
    if (this.opts.signal.aborted) c.abort();
    else this.opts.signal.addEventListener('abort', () => c.abort(), { once: true });
    return c;
  }

  private async stopOne(r: Running | undefined): Promise<void> {
    if (!r) return;
    r.stop.abort();
    await r.done;
  }
}
