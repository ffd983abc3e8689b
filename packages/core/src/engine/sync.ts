// `pctl sync`: live sync of the folders a Dockerfile copies (`COPY src /dst`) into the
// running containers of a service, DevSpace-style, without a rebuild. The files sent are
// the build context's (after .dockerignore), so what syncs is what a build would copy.
// A later `pctl deploy` sees the changed files and rebuilds, as it should.
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { SyncBatch } from '../contract.js';
import { PctlError } from '../errors.js';
import { syncPairs } from '../image/dockerfile.js';
import { walkContext } from '../image/context.js';
import { backendOf } from './stateBackend.js';
import { verbUnsupported } from './innerLoop.js';
import { computeTargets, type PlannedTarget } from './targets.js';
import { openSession, requireKnownServices, type SessionOptions } from './session.js';
import { Events } from '../reporter.js';

export interface Pair {
  /** Context-relative source ('' for the whole context). */
  source: string;
  dest: string;
  /** The source is one file (copied to dest, or into dest/ when it ends with a slash). */
  file: boolean;
}

interface Watched {
  target: PlannedTarget;
  pairs: Pair[];
  /** context-relative path -> size:mtime:mode */
  seen: Map<string, string>;
  /** Files removed while syncing (and not back): a container that starts later has them from its image. */
  gone: Set<string>;
}

export interface SyncOptions extends SessionOptions {
  only?: string[];
  /** Sync once and return (else watch until the signal aborts). */
  once?: boolean;
  /** Debounce of file events, ms. */
  debounceMs?: number;
  /** While watching, how often a container that started later is looked for (ms). */
  catchUpMs?: number;
}

export interface SyncRound {
  key: string;
  files: number;
  deleted: number;
  containers: string[];
}

export const within = (rel: string, source: string) => source === '' || rel === source || rel.startsWith(`${source}/`);

async function snapshot(w: Watched): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await walkContext(w.target.build!)) {
    // A build copies a symlink as a link; sync sends files only, never what a link points at.
    if (e.type !== 'file' || !w.pairs.some((p) => within(e.rel, p.source))) continue;
    const st = await fs.lstat(e.abs).catch(() => undefined);
    if (st) out.set(e.rel, `${st.size}:${st.mtimeMs}:${st.mode}`);
  }
  return out;
}

// Groups changed context files by the COPY pair they fall under.
export function batches(w: Pick<Watched, 'target' | 'pairs'>, changed: string[], deleted: string[]): SyncBatch[] {
  const contextDir = w.target.build!.contextDir;
  const out: SyncBatch[] = [];
  for (const p of w.pairs) {
    const mine = (list: string[]) => list.filter((f) => within(f, p.source));
    const files = mine(changed);
    const gone = mine(deleted);
    if (!files.length && !gone.length) continue;
    if (p.file) {
      const dest = p.dest.endsWith('/') ? path.posix.join(p.dest, path.posix.basename(p.source)) : p.dest;
      out.push({
        sourceDir: path.dirname(path.join(contextDir, p.source)),
        dest: path.posix.dirname(dest),
        files: files.length ? [path.posix.basename(p.source)] : [],
        deleted: gone.length ? [dest] : [],
      });
      continue;
    }
    const strip = (f: string) => (p.source === '' ? f : f.slice(p.source.length + 1));
    out.push({
      sourceDir: path.join(contextDir, p.source),
      dest: p.dest,
      files: files.map(strip),
      deleted: gone.map((f) => path.posix.join(p.dest, strip(f))),
    });
  }
  return out;
}

// The COPY pairs of a built service's Dockerfile whose source exists in its context.
export async function pairsOf(t: PlannedTarget): Promise<Pair[]> {
  const text = await fs.readFile(t.build!.dockerfilePath, 'utf8');
  const pairs: Pair[] = [];
  for (const p of syncPairs(text)) {
    const source = p.source === '.' ? '' : p.source.replace(/\/+$/, '');
    const st = await fs.stat(path.join(t.build!.contextDir, source)).catch(() => undefined);
    if (st) pairs.push({ source, dest: p.dest, file: !st.isDirectory() });
  }
  return pairs;
}

export async function runSync(
  opts: SyncOptions,
  onRound: (r: SyncRound) => void = () => undefined,
): Promise<SyncRound[]> {
  const session = await openSession(opts);
  const { ctx } = session;
  const config = session.loaded.config;
  requireKnownServices(session, opts.only);
  const targets = await computeTargets({
    stack: ctx.stack,
    config,
    configDir: ctx.configDir,
    cwd: ctx.cwd,
    only: opts.only?.length ? opts.only : undefined,
    secrets: ctx.secrets,
  });
  const { state } = await backendOf(session).read();
  const watched: Watched[] = [];
  for (const t of targets) {
    const explicit = Boolean(opts.only?.length);
    const provider = await session.v1(t.service.provider.name);
    const skip = (why: string) => {
      if (explicit)
        throw new PctlError({
          code: 'NothingToSync',
          message: `${t.key}: ${why}`,
          fault: 'user',
          hint: 'pctl sync copies the folders a Dockerfile COPYs (COPY src/ /abs/dest/) into running containers',
        });
    };
    if (!t.build) {
      skip('its image is not built by pctl');
      continue;
    }
    if (!provider.sync) {
      if (explicit) throw verbUnsupported(provider.name, 'sync', t.name);
      continue;
    }
    const entry = state[t.key];
    if (!entry || entry.destroyed) {
      skip('it is not deployed (run pctl deploy first)');
      continue;
    }
    const pairs = await pairsOf(t);
    if (!pairs.length) {
      skip(`${path.relative(ctx.configDir, t.build.dockerfilePath)} has no COPY of a folder to an absolute path`);
      continue;
    }
    watched.push({ target: t, pairs, seen: new Map(), gone: new Set() });
  }
  if (!watched.length)
    throw new PctlError({
      code: 'NothingToSync',
      message: 'no deployed service of this stack can be synced',
      fault: 'user',
      hint: 'pctl sync works on services built by pctl whose Dockerfile copies a folder (COPY src/ /abs/dest/), on docker, kind, aws and gcp',
    });

  const rounds: SyncRound[] = [];
  // `catchUp`: no file changed, but a container that started since gets everything.
  const syncOne = async (w: Watched, initial: boolean, catchUp = false) => {
    const now = await snapshot(w);
    const changed = [...now].filter(([f, sig]) => initial || w.seen.get(f) !== sig).map(([f]) => f);
    const deleted = initial ? [] : [...w.seen.keys()].filter((f) => !now.has(f));
    w.seen = now;
    for (const f of deleted) w.gone.add(f);
    for (const f of now.keys()) w.gone.delete(f);
    if (!changed.length && !deleted.length && !catchUp) return;
    const provider = await session.v1(w.target.service.provider.name);
    const r = await provider.sync!({
      ctx,
      key: w.target.key,
      entry: state[w.target.key],
      batches: batches(w, changed, deleted),
      all: batches(w, [...now.keys()], [...w.gone]),
    });
    const full = r.full ?? [];
    const rest = r.containers.filter((c) => !full.includes(c));
    const report = (files: number, removed: number, containers: string[]) => {
      if (!containers.length || (!files && !removed)) return;
      const round = { key: w.target.key, files, deleted: removed, containers };
      rounds.push(round);
      onRound(round);
    };
    if (full.length) report(now.size, w.gone.size, full);
    report(changed.length, deleted.length, rest);
  };
  for (const w of watched) await syncOne(w, true);
  if (opts.once) return rounds;

  // Watch: each context folder once; a burst of events becomes one round per service.
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  let failure: unknown;
  const pending = new Set<Watched>();
  const schedule = (w: Watched) => {
    pending.add(w);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const todo = [...pending];
      pending.clear();
      running = running.then(async () => {
        for (const x of todo)
          await syncOne(x, false).catch((e) =>
            ctx.reporter.emit({
              level: 'error',
              code: Events.SyncFailed,
              text: (e as Error).message,
              subject: x.target.key,
            }),
          );
      });
    }, opts.debounceMs ?? 150);
  };
  for (const w of watched) {
    const dirs = new Set(
      w.pairs.map((p) => path.join(w.target.build!.contextDir, p.file ? path.dirname(p.source) : p.source)),
    );
    for (const dir of dirs) {
      try {
        const watcher = watch(dir, { recursive: true }, () => schedule(w));
        watcher.on('error', (e) => (failure = e));
        watchers.push(watcher);
      } catch (e) {
        failure = e;
      }
    }
    ctx.reporter.info(
      `watching ${w.pairs.map((p) => `${p.source || '.'} -> ${p.dest}`).join(', ')}`,
      w.target.key,
      Events.SyncWatching,
    );
  }
  // A pod that starts later (a restart, a scale-up, a replaced pod) gets everything first.
  const lastError = new Map<Watched, string>();
  let catchingUp = false;
  const catchUp = setInterval(() => {
    if (catchingUp) return;
    catchingUp = true;
    running = running.then(async () => {
      catchingUp = false;
      for (const w of watched) {
        try {
          await syncOne(w, false, true);
          lastError.delete(w);
        } catch (e) {
          const text = (e as Error).message;
          // None running (a rollout in between) is no failure; the same failure is said once.
          if ((e as PctlError).code === 'NotRunning' || lastError.get(w) === text) continue;
          lastError.set(w, text);
          ctx.reporter.emit({ level: 'error', code: Events.SyncFailed, text, subject: w.target.key });
        }
      }
    });
  }, opts.catchUpMs ?? 1000);
  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) return resolve();
    opts.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearInterval(catchUp);
  clearTimeout(timer);
  for (const w of watchers) w.close();
  await running;
  if (failure)
    throw new PctlError({
      code: 'WatchFailed',
      message: `watching files failed: ${(failure as Error).message}`,
      fault: 'environment',
    });
  return rounds;
}
