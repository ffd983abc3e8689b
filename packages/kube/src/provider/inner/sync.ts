// `pctl sync` into pods: the batches the engine computed (the COPY pairs, minus
// .dockerignore) go into every running container of the service's pods that runs its
// image, each batch as ONE tar stream unpacked in the container by `tar -x` through
// pods/exec (what `kubectl cp` does), removals with one `rm -f --`. A container not seen
// before (a pod that started later, a restart) gets every file first (`all`).
import { pipeline, Transform, type Readable } from 'node:stream';
import { dnsName, PctlError, type SyncBatch } from '@pctl/core';
import type { KubeClient } from '../../client.js';
import { serviceSelector } from '../../objectNames.js';
import { execInPod, type PodContainer } from './syncExec.js';

interface PodLike {
  metadata: { name: string; uid?: string; deletionTimestamp?: string };
  spec?: { containers?: { name: string; image?: string }[] };
  status?: {
    phase?: string;
    containerStatuses?: { name: string; containerID?: string; restartCount?: number; state?: { running?: unknown } }[];
  };
}

interface Target extends PodContainer {
  /** Changes with every new container: a restart is a container that has had nothing yet. */
  identity: string;
  /** What sync returns for it: the pod, or pod/container when several of the pod's run the image. */
  label: string;
}

export interface PodSyncParams {
  client: KubeClient;
  namespace: string;
  stack: string;
  service: string;
  key: string;
  batches: SyncBatch[];
  all?: SyncBatch[];
  /** Identities of the containers that have had `all` (kept by the provider across calls). */
  synced: Set<string>;
}

// The running containers of the service's pods that run the service's image.
async function targets(p: PodSyncParams): Promise<Target[]> {
  const selector = serviceSelector(p.stack, p.service).split(',').slice(1).join(',');
  const pods = (await p.client.list('v1', 'Pod', selector, p.namespace)) as unknown as PodLike[];
  const out: Target[] = [];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp || pod.status?.phase !== 'Running') continue;
    const specs = pod.spec?.containers ?? [];
    // The container pctl renders is named after the service; raw manifests' pods: their first.
    const image = (specs.find((c) => c.name === dnsName(p.service)) ?? specs[0])?.image;
    const mine = specs.filter((c) => c.image === image).map((c) => c.name);
    for (const cs of pod.status.containerStatuses ?? []) {
      if (!cs.state?.running || !mine.includes(cs.name)) continue;
      out.push({
        namespace: p.namespace,
        pod: pod.metadata.name,
        container: cs.name,
        identity: `${pod.metadata.uid}/${cs.name}/${cs.containerID ?? cs.restartCount ?? 0}`,
        label: mine.length > 1 ? `${pod.metadata.name}/${cs.name}` : pod.metadata.name,
      });
    }
  }
  return out;
}

// Chunks of at least `limit` bytes: one WebSocket message per 512-byte tar block would cost
// the API server and the kubelet a write each (1,000 small files: thousands of messages).
function coalesced(limit: number): Transform {
  let parts: Buffer[] = [];
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _e, done) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= limit) {
        this.push(Buffer.concat(parts));
        parts = [];
        size = 0;
      }
      done();
    },
    flush(done) {
      if (size) this.push(Buffer.concat(parts));
      done();
    },
  });
}

// One batch's files as one tar stream, named by their absolute place in the container.
async function archive(b: SyncBatch): Promise<Readable> {
  const { pack } = await import('tar-fs');
  const prefix = b.dest.replace(/^\/+/, '').replace(/\/*$/, '/');
  const tar = pack(b.sourceDir, {
    entries: b.files,
    // Owned by root, as a build's COPY leaves them (without --chown), not by the local user.
    map: (h) => ({ ...h, uid: 0, gid: 0, name: prefix === '/' ? h.name : `${prefix}${h.name}` }),
  }) as unknown as Readable;
  // A file gone before it is read (an editor's save) fails the stream, and with it this round.
  return pipeline(tar, coalesced(256 * 1024), () => undefined);
}

async function run(client: KubeClient, t: Target, command: string[], what: string, stdin?: Readable): Promise<void> {
  const r = await execInPod(client, t, command, stdin);
  if (r.exitCode === 0) return;
  const text = r.stderr.trim();
  throw new PctlError({
    code: 'CommandFailed',
    message: `${what} in ${t.label} failed: ${text.split('\n').at(-1) || `exit code ${r.exitCode}`}`,
    fault: 'environment',
    detail: text,
    hint:
      r.exitCode === 127 || /not found/.test(text)
        ? `the image must have ${command[0]} for pctl sync to reach its containers`
        : undefined,
  });
}

// Applies batches to one container: removals first, then one archive per batch.
async function apply(client: KubeClient, t: Target, batches: SyncBatch[]): Promise<void> {
  for (const b of batches) {
    if (b.deleted.length) await run(client, t, ['rm', '-f', '--', ...b.deleted], `removing files of ${b.dest}`);
    if (!b.files.length) continue;
    await run(client, t, ['tar', '-x', '-f', '-', '-C', '/'], `unpacking into ${b.dest}`, await archive(b));
  }
}

/** Syncs the batches into every running container of the service; returns where they went. */
export async function syncPods(p: PodSyncParams): Promise<{ containers: string[]; full: string[] }> {
  const found = await targets(p);
  if (!found.length)
    throw new PctlError({
      code: 'NotRunning',
      message: `${p.key}: no running pod to sync into in namespace ${p.namespace}`,
      fault: 'environment',
      exitCode: 1,
      hint: 'run pctl status to see its pods, or pctl deploy first',
    });
  const full: string[] = [];
  const reached: string[] = [];
  const failures: unknown[] = [];
  await Promise.all(
    found.map(async (t) => {
      const first = Boolean(p.all) && !p.synced.has(t.identity);
      try {
        await apply(p.client, t, first ? p.all! : p.batches);
      } catch (e) {
        // A pod that went away meanwhile (a rollout) is not a failure: its successor catches up.
        if (!(await stillRunning(p, t))) return;
        // What it missed is not sent again as a change: the next call gives it every file.
        p.synced.delete(t.identity);
        failures.push(e);
        return;
      }
      p.synced.add(t.identity);
      reached.push(t.label);
      if (first) full.push(t.label);
    }),
  );
  if (failures.length) throw failures[0];
  // Forget containers that are gone.
  const live = new Set(found.map((t) => t.identity));
  for (const id of p.synced) if (!live.has(id)) p.synced.delete(id);
  return { containers: reached.sort(), full: full.sort() };
}

async function stillRunning(p: PodSyncParams, t: Target): Promise<boolean> {
  try {
    return (await targets(p)).some((x) => x.identity === t.identity);
  } catch {
    return true;
  }
}
