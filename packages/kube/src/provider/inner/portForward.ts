// `pctl port-forward` on Kubernetes: each local connection is one pods/portforward WebSocket
// (`v4.channel.k8s.io`/`portforward.k8s.io` channels, as @kubernetes/client-node and kubectl
// speak it): channel 0 carries the connection's bytes both ways, channel 1 the kubelet's
// error for it; the server's first message on each is the port (two bytes). The pod is
// looked at again at each connection: once a rollout replaced it (gone, terminating, not
// running), the next connection goes to the service's current pod, and the local port stays.
import { Duplex } from 'node:stream';
import { PctlError, type PortDialer, type PortForwardParams } from '@pctl/core';
import { isRunning, part, pickPod, type Pod, type ServicePods } from './pods.js';
import { channelMessage, channelSocket, type ChannelSocket } from './request.js';

const DATA = 0;
const ERROR = 1;

// The dialer of one service's pod, found again when it goes.
export async function kubePortForward(sp: ServicePods, p: PortForwardParams): Promise<PortDialer> {
  let current: Pod = await pickPod(sp, p.replica);
  const open = new Set<Duplex>();
  return {
    replica: () => current.metadata.name,
    async dial(port) {
      const now = (await sp.client.read({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: current.metadata.name, namespace: sp.namespace },
      })) as Pod | undefined;
      current = now && isRunning(sp, now) ? now : await pickPod(sp, p.replica);
      const d = await forward(sp, current.metadata.name, port);
      open.add(d);
      d.on('close', () => open.delete(d));
      return d;
    },
    async close() {
      for (const d of open) d.destroy();
    },
  };
}

// One connection to `port` of the pod, as a byte stream.
async function forward(sp: ServicePods, pod: string, port: number): Promise<Duplex> {
  const what = `forwarding to port ${port} of pod ${sp.namespace}/${pod}`;
  const seen = { [DATA]: false, [ERROR]: false } as Record<number, boolean>;
  let ws: ChannelSocket | undefined;
  const duplex = new Duplex({
    read() {
      ws?.resume?.();
    },
    write(chunk: Buffer, _enc, done) {
      if (!ws || ws.readyState !== 1) return done(new Error(`${what}: the connection is closed`));
      ws.send(channelMessage(DATA, chunk), (e) => done(e ?? null));
    },
    // The channel protocol cannot half-close: the end of the local side ends the whole connection.
    final(done) {
      ws?.close(1000);
      done();
    },
    destroy(err, done) {
      if (ws && ws.readyState <= 1) ws.close(1000);
      done(err);
    },
  });
  ws = await channelSocket(
    sp.client,
    `/api/v1/namespaces/${part(sp.namespace)}/pods/${part(pod)}/portforward?ports=${port}`,
    what,
    (ch, data) => {
      // The first message of each channel is the port it is for.
      let d = data;
      if (!seen[ch]) {
        seen[ch] = true;
        d = d.subarray(2);
      }
      if (!d.length) return;
      if (ch === DATA) {
        if (!duplex.push(d)) ws?.pause?.();
      } else if (ch === ERROR) {
        // The kubelet could not reach the port (`error forwarding port 80 to pod …`): this connection fails.
        duplex.destroy(
          new PctlError({
            code: 'KubeApiError',
            message: `${what}: ${d.toString('utf8').trim()}`,
            fault: 'environment',
            exitCode: 1,
            hint: 'check that the service listens on that port',
          }),
        );
      }
    },
  );
  ws.on('close', () => duplex.push(null));
  return duplex;
}
