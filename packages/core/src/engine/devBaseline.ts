// What `pctl dev` compares a change against: the stack as loaded, the watched services with
// their providers and COPY pairs, and the build record of each as a deploy would compute it.
import type { ProviderV1 } from '../contract.js';
import type { BuildRecord } from '../image/index.js';
import { openSession, requireKnownServices, type Session, type SessionOptions } from './session.js';
import { pairsOf, type Pair } from './sync.js';
import { computeTargets, type PlannedTarget } from './targets.js';

/** One watched service as the last deploy (or sync) left it. */
export interface WatchedService {
  name: string;
  target: PlannedTarget;
  provider: ProviderV1;
  /** Undefined: its changes are never synced. */
  pairs?: Pair[];
}

export interface Baseline {
  session: Session;
  services: WatchedService[];
  records: Map<string, BuildRecord | undefined>;
  stackFiles: string;
}

// Loads the stack and the watched services with their build records as they are now.
export async function baseline(opts: SessionOptions & { only: string[] }, stackFiles: string): Promise<Baseline> {
  const session = await openSession({ ...opts, reporter: opts.reporter });
  requireKnownServices(session, opts.only);
  const targets = await targetsOf(session, opts.only);
  const services: WatchedService[] = [];
  for (const t of targets) {
    const provider = await session.v1(t.service.provider.name);
    const pairs = t.build && provider.sync ? await pairsOf(t).catch(() => undefined) : undefined;
    services.push({ name: t.name, target: t, provider, pairs: pairs?.length ? pairs : undefined });
  }
  const records = new Map(targets.map((t) => [t.name, t.buildRecord] as const));
  return { session, services, records, stackFiles };
}

function targetsOf(session: Session, only: string[]): Promise<PlannedTarget[]> {
  return computeTargets({
    stack: session.ctx.stack,
    config: session.loaded.config,
    configDir: session.ctx.configDir,
    cwd: session.ctx.cwd,
    only: only.length ? only : undefined,
    secrets: session.ctx.secrets,
  });
}

// The build record of every watched service as a deploy would compute it now.
export async function buildRecords(base: Baseline): Promise<Map<string, BuildRecord | undefined>> {
  const targets = await targetsOf(
    base.session,
    base.services.map((s) => s.name),
  );
  return new Map(targets.map((t) => [t.name, t.buildRecord] as const));
}
