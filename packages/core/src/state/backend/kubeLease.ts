// The kubernetes backend's lock: a coordination.k8s.io/v1 Lease `pctl-lock-<stack>`,
// created (the API server lets exactly one create succeed), renewed every third of its
// duration while the run lives, and deleted on release with its resourceVersion as
// precondition (only while it is still ours). A stale Lease (not renewed within its
// duration, or its holder's process gone from this host) is replaced with an update
// naming the resourceVersion the taker read: of many takers, exactly one succeeds; the
// others get 409 Conflict and find the winner's Lease. The holder (pid, host, command,
// since) is in an annotation, for messages; holderIdentity says it in one word for kubectl.
import { PctlError } from '../../errors.js';
import {
  deadHere,
  describeHolder,
  liveHolderRefusal,
  notLocked,
  parseHolder,
  thisRun,
  waitForLock,
  waitingAs,
} from '../holder.js';
import { kubeFailure, resourcePath, type KubeAnswer, type KubeApi } from './kubeApi.js';
import type { BackendLock, BackendLockOptions, LockHolder, UnlockedLock } from './types.js';

export const HOLDER_ANNOTATION = 'pctl.dev/holder';
export const leaseName = (stack: string) => `pctl-lock-${stack}`;

interface SeenLease {
  resourceVersion: string;
  holder: LockHolder | undefined;
  identity: string;
  transitions: number;
  stale: boolean;
}

// A MicroTime as the API server writes it: RFC 3339 with six fractional digits.
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const where = (api: KubeApi, name: string) => `kubernetes://${api.namespace}/leases/${name}`;
const path = (api: KubeApi, name?: string) => resourcePath(api, 'coordination.k8s.io/v1', 'leases', name);

function seenOf(a: KubeAnswer): SeenLease {
  const lease = a.body;
  const spec = (lease.spec ?? {}) as Record<string, unknown>;
  const holder = parseHolder(String(lease.metadata?.annotations?.[HOLDER_ANNOTATION] ?? ''));
  const identity = typeof spec.holderIdentity === 'string' ? spec.holderIdentity : '';
  const renewed = Date.parse(String(spec.renewTime ?? spec.acquireTime ?? ''));
  const duration = typeof spec.leaseDurationSeconds === 'number' ? spec.leaseDurationSeconds : 0;
  // Never renewed, no duration, nobody named, or past its time: nobody holds it.
  const expired = !identity || !Number.isFinite(renewed) || duration <= 0 || renewed + duration * 1000 < Date.now();
  return {
    resourceVersion: String(lease.metadata?.resourceVersion ?? ''),
    holder,
    identity,
    transitions: typeof spec.leaseTransitions === 'number' ? spec.leaseTransitions : 0,
    stale: expired || (holder !== undefined && deadHere(holder)),
  };
}

// "pid 1 on host (deploy, since …)", or what the Lease says of a holder pctl did not write.
function describeSeen(seen: SeenLease): string {
  if (seen.holder) return describeHolder(seen.holder);
  return seen.identity ? `${JSON.stringify(seen.identity)} (not a pctl run)` : describeHolder(undefined);
}

async function inspect(api: KubeApi, name: string): Promise<SeenLease | undefined> {
  const a = await api.request('GET', path(api, name));
  if (a.status === 404) return undefined;
  if (a.status !== 200) throw kubeFailure(a, `reading the lock ${where(api, name)}`, api);
  return seenOf(a);
}

function leaseBody(api: KubeApi, name: string, me: LockHolder, seconds: number, extra: Record<string, unknown>) {
  const now = microTime(Date.now());
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: api.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'pctl' },
      annotations: { [HOLDER_ANNOTATION]: JSON.stringify(me) },
      ...(extra.resourceVersion ? { resourceVersion: extra.resourceVersion } : {}),
    },
    spec: {
      holderIdentity: `${me.host}/${me.pid}`,
      leaseDurationSeconds: seconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: extra.leaseTransitions ?? 0,
    },
  };
}

// Takes the Lease (taking over a stale one) and renews it until released.
export async function acquireLease(
  api: KubeApi,
  name: string,
  opts: BackendLockOptions,
  seconds: number,
): Promise<BackendLock> {
  const me = thisRun(opts.command);
  let won: Record<string, any> | undefined;
  const outcome = (a: KubeAnswer, what: string): boolean => {
    if (a.status === 200 || a.status === 201) {
      won = a.body;
      return true;
    }
    // 409: it exists (AlreadyExists) or another taker replaced it first (Conflict); 404: it went away.
    if (a.status === 409 || (a.status === 404 && a.body.details?.kind === 'leases')) return false;
    throw kubeFailure(a, `${what} the lock ${where(api, name)}`, api);
  };
  await waitForLock<SeenLease>({
    take: async () => outcome(await api.request('POST', path(api), leaseBody(api, name, me, seconds, {})), 'creating'),
    inspect: () => inspect(api, name),
    takeOver: async (seen) =>
      outcome(
        await api.request(
          'PUT',
          path(api, name),
          leaseBody(api, name, me, seconds, {
            resourceVersion: seen.resourceVersion,
            leaseTransitions: seen.transitions + 1,
          }),
        ),
        'taking over',
      ),
    // A lost take-over means another taker's Lease is there now: look at it rather than create.
    afterLostTakeOver: 'inspect',
    describe: describeSeen,
    ...waitingAs(where(api, name), opts),
  });
  return renewing(api, name, won!, seconds);
}

// The held Lease: renewed every third of its duration; released (deleted) only while it is ours.
function renewing(api: KubeApi, name: string, lease: Record<string, any>, seconds: number): BackendLock {
  let current = lease;
  let lost = false;
  let busy: Promise<void> = Promise.resolve();
  const renew = async () => {
    if (lost) return;
    const next = { ...current, spec: { ...current.spec, renewTime: microTime(Date.now()) } };
    try {
      const a = await api.request('PUT', path(api, name), next);
      if (a.status === 200) current = a.body;
      // Taken over (this run stalled past the lease) or removed (`state unlock --force`): not ours any more.
      else if (a.status === 409 || a.status === 404) lost = true;
    } catch {
      /* the API server did not answer: the next renewal tries again */
    }
  };
  const timer = setInterval(() => (busy = busy.then(renew)), Math.max(200, (seconds * 1000) / 3));
  timer.unref();
  return {
    where: where(api, name),
    release: async () => {
      clearInterval(timer);
      await busy;
      if (lost) return;
      lost = true;
      const a = await api.request('DELETE', path(api, name), {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        preconditions: { resourceVersion: current.metadata?.resourceVersion, uid: current.metadata?.uid },
      });
      if (a.status !== 200 && a.status !== 202 && a.status !== 404 && a.status !== 409)
        throw kubeFailure(a, `releasing the lock ${where(api, name)}`, api);
    },
  };
}

// `pctl state unlock` for kubernetes: a holder alive here, or on another host, only with `force`.
export async function unlockLease(api: KubeApi, name: string, opts: { force: boolean }): Promise<UnlockedLock> {
  const seen = await inspect(api, name);
  if (!seen) throw notLocked(where(api, name));
  if (!seen.stale && !opts.force) throw liveHolderRefusal(seen.holder, describeSeen(seen), where(api, name));
  const a = await api.request('DELETE', path(api, name), {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    preconditions: { resourceVersion: seen.resourceVersion },
  });
  if (a.status === 409 || a.status === 404) {
    throw new PctlError({
      code: 'LockHeld',
      message: `the lock ${where(api, name)} changed while unlocking (another run took it); nothing removed`,
      fault: 'user',
      exitCode: 1,
    });
  }
  if (a.status !== 200 && a.status !== 202) throw kubeFailure(a, `removing the lock ${where(api, name)}`, api);
  return { where: where(api, name), holder: seen.holder };
}
