// `pctl render`: what deploy would apply, from providers that can say it (Kubernetes
// ones), touching no cluster and no state. Unknown service names are an error.
import { PctlError } from '../errors.js';
import { planDeploy } from './deploy/plan.js';
import { readOnlyStore } from './readOnlyStore.js';
import { openSession, requireKnownServices, type SessionOptions } from './session.js';
import { backendOf } from './stateBackend.js';

export async function runRender(
  opts: SessionOptions & { only?: string[] },
): Promise<{ key: string; provider: string; objects: Record<string, unknown>[] }[]> {
  const session = await openSession(opts);
  const store = await readOnlyStore(backendOf(session));
  requireKnownServices(session, opts.only);
  const { selected } = await planDeploy(session, store, { only: opts.only, adopt: false });
  const out: { key: string; provider: string; objects: Record<string, unknown>[] }[] = [];
  for (const target of selected) {
    const name = target.service.provider.name;
    const p = await session.v1(name);
    if (!p.render) {
      if (opts.only?.length)
        throw new PctlError({
          code: 'NothingToRender',
          message: `${target.key}: provider ${name} has no manifests to render`,
          fault: 'user',
          hint: 'pctl render shows what Kubernetes providers (kind, aws, gcp) apply',
        });
      continue;
    }
    out.push({
      key: target.key,
      provider: name,
      objects: await p.render({ ctx: session.ctx, target, previous: store.get(target.key) }),
    });
  }
  return out;
}
