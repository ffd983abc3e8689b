// `pctl history`: the releases each service's state entry keeps, oldest first.
import { backendOf } from './stateBackend.js';
import { serviceKey, serviceOfKey } from '../serviceKey.js';
import { openSession, requireKnownServices, type SessionOptions } from './session.js';
import { releasesOf } from './releases.js';

export interface HistoryRelease {
  number: number;
  at: string;
  image?: string;
  digest?: string;
  fingerprint: string;
  provider: string;
  /** The release running now (the entry's last, unless the service is destroyed or mid-deploy). */
  current: boolean;
  rollbackOf?: number;
}

export interface ServiceHistory {
  key: string;
  service: string;
  releases: HistoryRelease[];
}

export async function runHistory(
  opts: SessionOptions & { only?: string[] },
): Promise<{ stack: string; stateFile: string; services: ServiceHistory[] }> {
  const session = await openSession(opts);
  requireKnownServices(session, opts.only);
  const { stack } = session.ctx;
  const backend = backendOf(session);
  const file = backend.where;
  const { state } = await backend.read();
  const wanted = new Set((opts.only ?? []).map((n) => serviceKey(stack, n)));
  const services: ServiceHistory[] = [];
  for (const key of Object.keys(state).sort()) {
    const service = serviceOfKey(stack, key);
    if (service === undefined || (wanted.size && !wanted.has(key))) continue;
    const entry = state[key]!;
    const list = releasesOf(entry);
    const last = list[list.length - 1];
    const running =
      last && !entry.destroyed && !entry.pending && last.fingerprint === entry.fingerprint ? last.number : undefined;
    services.push({
      key,
      service,
      releases: list.map((r) => ({
        number: r.number,
        at: r.at,
        ...(r.image ? { image: r.image } : {}),
        ...(r.digest ? { digest: r.digest } : {}),
        fingerprint: r.fingerprint,
        provider: r.provider,
        current: r.number === running,
        ...(r.rollbackOf !== undefined ? { rollbackOf: r.rollbackOf } : {}),
      })),
    });
  }
  return { stack, stateFile: file, services };
}
