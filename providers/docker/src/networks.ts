// The per-stack network services reach each other on: created once per target (also when
// two services ask at the same moment), removed when the stack's last container is gone.
import { dockerError, engineUnreachable, PctlError, type Exec, type ProviderContext } from '@pctl/core';
import type { DockerOptions } from './options.js';
import { docker } from './transport.js';

// The stack's network: `provider.options.network`, else `pctl-<stack>`.
export const networkName = (ctx: ProviderContext, o: DockerOptions) => o.network ?? `pctl-${ctx.stack}`;

// One creation at a time per network and target: the engine does not refuse a second
// network of the same name created at the same moment, and then every `docker run
// --network <name>` fails as ambiguous.
const networks = new Map<string, Promise<void>>();

// Makes sure the network exists on the target (created with the stack's labels if not).
export function ensureNetwork(cli: Exec, ctx: ProviderContext, name: string, target: string): Promise<void> {
  const key = `${target}\u0000${process.env.DOCKER_HOST ?? ''}\u0000${name}`;
  let pending = networks.get(key);
  if (!pending) {
    pending = createNetwork(cli, ctx, name);
    networks.set(key, pending);
    // Only while in flight: a later call checks again (destroy may have removed it).
    void pending.finally(() => networks.delete(key)).catch(() => undefined);
  }
  return pending;
}

async function createNetwork(cli: Exec, ctx: ProviderContext, name: string): Promise<void> {
  const lines = await docker(cli, 'listing networks', ['network', 'ls', '--no-trunc', '--filter', `name=^${name}$`, '--format', '{{.ID}} {{.Name}}']);
  const ids = lines.split('\n').filter(Boolean).map((l) => l.split(' ')).filter(([, n]) => n === name).map(([id]) => id!);
  if (ids.length > 1) {
    // Left by an older run or another tool racing us: keep one, remove the others that
    // nothing is attached to, so the name means one network again.
    for (const id of ids.slice(1)) await cli('docker', ['network', 'rm', '--', id]).catch(() => undefined);
    return;
  }
  if (ids.length === 1) return;
  try {
    await cli('docker', ['network', 'create', '--label', 'managed-by=pctl', '--label', `pctl-stack=${ctx.stack}`, '--', name]);
  } catch (e) {
    if (!/already exists/.test(`${(e as PctlError).message} ${(e as PctlError).detail ?? ''}`)) throw dockerError(e, `creating network ${name}`);
  }
}

// Removes the network if it exists and nothing is attached (a shared one stays).
export async function removeNetwork(cli: Exec, net: string): Promise<void> {
  const r = await cli('docker', ['network', 'rm', '--', net], { reject: false });
  if (r.exitCode !== 0 && (engineUnreachable(r.stderr) || !/not found|No such network|has active endpoints/i.test(r.stderr))) throw dockerError(new PctlError({ code: 'CommandFailed', message: r.stderr, detail: r.stderr }), `removing network ${net}`);
}
