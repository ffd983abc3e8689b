// `pctl status`: the state next to what really runs.
import { backendOf } from './stateBackend.js';
import { openSession, requireKnownServices, type SessionOptions } from './session.js';
import type { ServiceStatus } from '../contract.js';
import { serviceKey, serviceOfKey } from '../serviceKey.js';

export interface StatusRow {
  key: string;
  provider: string;
  inState: 'deployed' | 'destroyed' | 'pending' | 'absent';
  inConfig: boolean;
  live: ServiceStatus;
}

export async function runStatus(
  opts: SessionOptions & { only?: string[] },
): Promise<{ stack: string; stateFile: string; rows: StatusRow[] }> {
  const session = await openSession(opts);
  requireKnownServices(session, opts.only);
  const { ctx } = session;
  const backend = backendOf(session);
  const file = backend.where;
  const { state } = await backend.read();
  const all = new Set([
    ...Object.keys(state),
    ...Object.keys(ctx.config.services).map((n) => serviceKey(ctx.stack, n)),
  ]);
  const wanted = new Set((opts.only ?? []).map((n) => serviceKey(ctx.stack, n)));
  const keys = [...all].filter((k) => !wanted.size || wanted.has(k));
  const rows: StatusRow[] = [];
  for (const key of keys.sort()) {
    const entry = state[key];
    const svc = ctx.config.services[serviceOfKey(ctx.stack, key) ?? ''];
    const providerName = entry?.provider ?? svc?.provider.name ?? 'unknown';
    let live: ServiceStatus = { state: 'unknown' };
    try {
      const p = await session.v1(providerName);
      if (p.status) live = await p.status({ ctx, key, entry });
    } catch (e) {
      live = { state: 'unknown', detail: (e as Error).message };
    }
    rows.push({
      key,
      provider: providerName,
      inState: !entry ? 'absent' : entry.destroyed ? 'destroyed' : entry.pending ? 'pending' : 'deployed',
      inConfig: Boolean(svc),
      live,
    });
  }
  return { stack: ctx.stack, stateFile: file, rows };
}
