// `pctl logs`: the log lines of every replica of the named services (all deployed ones
// when none is named), merged as they come, each masked; with `follow`, until the signal
// aborts, replicas that appear later included and those that go away said.
import type { ReplicaEvent } from '../contract.js';
import { maskSecrets } from '../output/mask.js';
import { reachServices } from './innerLoop.js';
import type { SessionOptions } from './session.js';

export interface LogsOptions extends SessionOptions {
  only: string[];
  follow: boolean;
  since?: Date;
  tail?: number;
  previous: boolean;
}

/** One printed line: the JSON form of `pctl logs --json`. */
export interface LogRecord {
  service: string;
  replica: string;
  stream: 'stdout' | 'stderr';
  time?: string;
  line: string;
}

export interface LogsSink {
  line(record: LogRecord): void;
  replica(service: string, event: ReplicaEvent): void;
}

// Streams the logs; resolves when every replica's stream ended (or, following, when the signal aborts).
export async function runLogs(opts: LogsOptions, sink: LogsSink): Promise<{ services: string[] }> {
  const { session, services } = await reachServices(opts, opts.only, 'logs');
  const secrets = session.ctx.secrets;
  // Each service's streams end when the user stops following; a failure of one ends them all.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(
      services.map((s) =>
        s.provider.logs!({
          ctx: session.ctx,
          key: s.key,
          entry: s.entry,
          follow: opts.follow,
          since: opts.since,
          tail: opts.tail,
          previous: opts.previous,
          signal: stop.signal,
          onLine: (l) =>
            sink.line({
              service: s.name,
              replica: l.replica,
              stream: l.stream,
              ...(l.time ? { time: l.time } : {}),
              line: maskSecrets(l.line, secrets),
            }),
          onReplica: (e) =>
            sink.replica(s.name, { ...e, ...(e.detail ? { detail: maskSecrets(e.detail, secrets) } : {}) }),
        }).catch((e: unknown) => {
          stop.abort();
          throw e;
        }),
      ),
    );
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
  }
  return { services: services.map((s) => s.name) };
}

// `10m`, `1h30m`, `45s` before now, or an RFC 3339 time; undefined when it is neither.
export function parseSince(text: string, now = Date.now()): Date | undefined {
  const rel = /^(?:\d+(?:ms|s|m|h))+$/.test(text.trim()) ? text.trim() : undefined;
  if (rel) {
    const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    let ms = 0;
    for (const m of rel.matchAll(/(\d+)(ms|s|m|h)/g)) ms += Number(m[1]) * unit[m[2]!]!;
    return new Date(now - ms);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(text.trim())) return undefined;
  const d = new Date(text.trim());
  return Number.isNaN(d.getTime()) ? undefined : d;
}
