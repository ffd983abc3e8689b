// What `logs`, `exec` and `port-forward` share: the services named (or every deployed one),
// each with its guarded provider and its state entry, refused with one clear line when the
// provider has no such verb (exit 2) or the service is not deployed (exit 1).
import path from 'node:path';
import type { ProviderV1 } from '../contract.js';
import { PctlError } from '../errors.js';
import { Events } from '../reporter.js';
import { backendOf } from './stateBackend.js';
import type { StateEntry } from '../state/types.js';
import { serviceKey } from '../serviceKey.js';
import { openSession, requireKnownServices, type Session, type SessionOptions } from './session.js';

export type InnerVerb = 'logs' | 'exec' | 'portForward' | 'sync';

/** How each verb is named in messages: `provider files cannot exec`. */
const VERB_WORDS: Record<InnerVerb, string> = {
  logs: 'show logs',
  exec: 'exec',
  portForward: 'port-forward',
  sync: 'sync',
};

/** One service as an inner-loop command reaches it. */
export interface ReachedService {
  name: string;
  key: string;
  provider: ProviderV1;
  entry: StateEntry;
}

// The error of a provider without the verb: exit 2, the provider and the verb named.
export function verbUnsupported(provider: string, verb: InnerVerb, service: string): PctlError {
  return new PctlError({
    code: 'VerbUnsupported',
    message: `provider ${provider} cannot ${VERB_WORDS[verb]} (service ${service})`,
    fault: 'user',
    exitCode: 2,
    hint: `${verb === 'sync' ? 'the docker provider can' : 'the docker, kind, aws and gcp providers can'}; see docs/using/dev.md`,
  });
}

// The error of a service with nothing deployed: exit 1, saying what status shows.
export function notDeployed(session: Session, name: string, entry: StateEntry | undefined): PctlError {
  const where = backendOf(session).where;
  const file = path.isAbsolute(where) ? path.relative(session.opts.cwd, where) || where : where;
  const why = !entry ? `is not deployed (not in ${file})` : 'was destroyed';
  return new PctlError({
    code: 'NotRunning',
    message: `service ${name} is not running: it ${why}`,
    fault: 'user',
    exitCode: 1,
    hint: 'pctl status shows what runs; pctl deploy starts it',
  });
}

// Opens the session and reaches the named services (all deployed ones when none is named).
export async function reachServices(
  opts: SessionOptions,
  names: readonly string[],
  verb: InnerVerb,
): Promise<{ session: Session; services: ReachedService[] }> {
  const session = await openSession(opts);
  requireKnownServices(session, names);
  const { state } = await backendOf(session).read();
  const all = Object.keys(session.loaded.config.services);
  const explicit = names.length > 0;
  const services: ReachedService[] = [];
  for (const name of explicit ? [...new Set(names)] : all) {
    const key = serviceKey(session.ctx.stack, name);
    const entry = state[key];
    const providerName = entry?.provider ?? session.loaded.config.services[name]!.provider.name;
    const provider = await session.v1(providerName);
    // A pending entry (a deploy stopped half-way) may still run: the provider finds out.
    const deployed = entry && !entry.destroyed;
    if (!provider[verb]) {
      if (explicit) throw verbUnsupported(provider.name, verb, name);
      if (deployed)
        opts.reporter.info(`provider ${provider.name} cannot ${VERB_WORDS[verb]}: skipped`, key, Events.VerbSkipped);
      continue;
    }
    if (!deployed) {
      if (explicit) throw notDeployed(session, name, entry);
      continue;
    }
    services.push({ name, key, provider, entry });
  }
  if (!services.length) {
    throw new PctlError({
      code: 'NotRunning',
      message: `no service of stack ${session.ctx.stack} is deployed with a provider that can ${VERB_WORDS[verb]}`,
      fault: 'user',
      exitCode: 1,
      hint: 'pctl status shows what runs; pctl deploy starts it',
    });
  }
  return { session, services };
}
