// `pctl port-forward` on Docker: each connection goes to the container's own address on
// its network (from the local engine's host, the bridge routes to it); on a remote host,
// through the one ssh connection pctl already holds (a stream-local forward to that
// address, added to the same master: no new ssh connection). A replica that went away is
// replaced by the first running one at the next connection.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { PctlError, type PortDialer, type PortForwardParams } from '@pctl/core';
import type { Api } from './api.js';
import { inspect } from './containers.js';
import { pickReplica, serviceApi, type Replica } from './replicas.js';

// The dialer of one service's replica.
export async function portForward(p: PortForwardParams): Promise<PortDialer> {
  let current: Replica = await pickReplica(await serviceApi(p.ctx, p.key, p.entry), p.ctx, p.key, p.replica);
  return {
    replica: () => current.name,
    async dial(port) {
      const api = await serviceApi(p.ctx, p.key, p.entry);
      const now = (await inspect(api, [current.id]))[0];
      if (!now?.State.Running) current = await pickReplica(api, p.ctx, p.key, p.replica);
      else current = { ...current, state: now };
      return connectTo(api, current, port);
    },
    close: async () => undefined,
  };
}

// The container's address on its first network that has one.
function addressOf(r: Replica): string {
  const nets = Object.values(r.state.NetworkSettings?.Networks ?? {});
  const ip = nets.map((n) => n.IPAddress).find(Boolean) ?? nets.map((n) => n.GlobalIPv6Address).find(Boolean);
  if (!ip)
    throw new PctlError({
      code: 'NotRunning',
      message: `container ${r.container} has no network address to forward to`,
      fault: 'environment',
      exitCode: 1,
      hint: 'pctl port-forward reaches containers on a bridge network (the stack network pctl makes)',
    });
  return ip;
}

// A connected socket to port of the replica, locally or through the ssh connection.
async function connectTo(api: Api, r: Replica, port: number): Promise<Duplex> {
  const ip = addressOf(r);
  const where = api.engine.tunnel ? { path: await api.engine.tunnel(ip, port) } : { host: ip, port };
  api.log(`connect ${ip}:${port} (${r.container})${api.engine.tunnel ? ' through the ssh connection' : ''}`);
  return new Promise<Duplex>((resolve, reject) => {
    const socket = net.connect(where as net.NetConnectOpts);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (e) =>
      reject(
        new PctlError({
          code: 'NotRunning',
          message: `cannot connect to port ${port} of ${r.container} (${ip}): ${e.message}`,
          fault: 'environment',
          exitCode: 1,
          hint: 'check that the service listens on that port',
        }),
      ),
    );
  });
}
