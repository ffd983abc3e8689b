// One Engine per target per process: the engine of the environment, or a remote host's over
// ssh, opened on first use and closed by closeEngines() (the CLI calls it when a command ends).
import { dockerClient } from './connect.js';
import { resolveEndpoint } from './endpoint.js';
import { forwards, openSshForward } from './sshForward.js';
import { sshFailed, sshWhere } from './sshError.js';
import type { Engine, EngineContext, EngineEndpoint, SshTarget } from './types.js';

const open = new Map<string, Promise<Engine>>();

// The engine for a target (undefined: the one DOCKER_HOST / the docker context names).
export function engineFor(ctx: EngineContext, target?: SshTarget): Promise<Engine> {
  const key = target
    ? `ssh ${JSON.stringify([target.host, target.user, target.port, target.key, target.sudo, target.remoteSocket])}`
    : 'env';
  const cached = open.get(key);
  if (!cached) return start(key, ctx, target);
  return cached.then((e) => {
    if (!forwards.get(e)?.lost()) return e;
    // Its ssh connection dropped: open it again, once for all callers.
    if (open.get(key) !== cached) return open.get(key) ?? start(key, ctx, target);
    void e.close().catch(() => undefined);
    return start(key, ctx, target);
  });
}

function start(key: string, ctx: EngineContext, target?: SshTarget): Promise<Engine> {
  const engine = openEngine(ctx, target);
  // A failure stays the answer for this process (one ssh attempt per host), unless the
  // opening step was interrupted: another step may still need the engine.
  engine.catch((e: { code?: string }) => e?.code === 'Interrupted' && open.get(key) === engine && open.delete(key));
  open.set(key, engine);
  return engine;
}

// Ends every engine's connections and ssh forwards; the next engineFor opens anew.
export async function closeEngines(): Promise<void> {
  const all = [...open.values()];
  open.clear();
  await Promise.all(
    all.map((p) =>
      p.then(
        (e) => e.close(),
        () => undefined,
      ),
    ),
  );
}

async function openEngine(ctx: EngineContext, target?: SshTarget): Promise<Engine> {
  const endpoint: EngineEndpoint = target
    ? { kind: 'ssh', ssh: target, describe: `ssh://${sshWhere(target)}` }
    : resolveEndpoint();
  if (endpoint.kind !== 'ssh') {
    const client = await dockerClient(endpoint);
    const where =
      endpoint.kind === 'unix' ? `the local engine (${endpoint.describe})` : `the engine at ${endpoint.describe}`;
    return { api: client.api, where, endpoint, close: async () => client.close() };
  }
  const fwd = await openSshForward(ctx, endpoint.ssh!);
  try {
    const client = await dockerClient(endpoint, fwd.socketPath);
    // The forward is up when the engine behind it answers (or says why not).
    await client.api.ping().catch((e: unknown) => {
      client.close();
      const lost = fwd.lost();
      if (lost) throw sshFailed(endpoint.ssh!, lost);
      // engineError words it as what the caller was doing.
      throw Object.assign(e as Error, { engineDescribe: fwd.describe, sudoFailure: fwd.bridgeFailure() });
    });
    const engine: Engine = {
      api: client.api,
      where: `host ${endpoint.ssh!.host} over ssh`,
      endpoint: { ...endpoint, describe: fwd.describe },
      tunnel: (host, port) => fwd.tunnel(host, port),
      close: async () => {
        client.close();
        await fwd.close();
      },
    };
    forwards.set(engine, fwd);
    return engine;
  } catch (e) {
    await fwd.close();
    throw e;
  }
}
