// The checks of the optional inner-loop verbs (logs, exec, portForward, sync, run), run on a service
// the provider's test gives (`innerLoop`): each proves what `pctl logs`, `pctl exec` and
// `pctl port-forward` promise users, and is skipped when the provider lacks the verb.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { LogLine, ReplicaEvent } from '../contract.js';
import type { ServiceConfig } from '../config.js';
import type { StateEntry } from '../state.js';
import type { Check, CheckEnv } from './checks.js';

const fail = (message: string): never => {
  throw new Error(message);
};

/** What the inner-loop checks share: the deployed service and the marks it printed. */
interface InnerState {
  entry?: StateEntry;
  mark: string;
}
const inner = new WeakMap<CheckEnv, InnerState>();

// The inner service with the mark it prints as its first stdout line (and `<mark>-err` on stderr).
const marked = (s: ServiceConfig, mark: string): ServiceConfig => ({ ...s, env: { ...s.env, PCTL_KIT_MARK: mark } });

async function deployInner(env: CheckEnv, mark: string, fingerprint: string): Promise<InnerState> {
  const st = inner.get(env) ?? { mark };
  const entry = await env.step(
    'deploy (inner-loop service)',
    env.provider.deploy({
      ctx: env.ctx(),
      target: env.target(marked(env.innerLoop!.service, mark), fingerprint),
      previous: st.entry,
    }),
  );
  if (env.provider.settle) await env.step('settle', env.provider.settle({ ctx: env.ctx() }));
  const next = { entry, mark };
  inner.set(env, next);
  return next;
}

// Collects bytes written to it.
function sink(): Writable & { bytes(): Buffer } {
  const parts: Buffer[] = [];
  const w = new Writable({
    write(chunk: Buffer, _e, done) {
      parts.push(Buffer.from(chunk));
      done();
    },
  }) as Writable & { bytes(): Buffer };
  w.bytes = () => Buffer.concat(parts);
  return w;
}

// Resolves when `test` holds for what has been seen (checked on each new thing), or fails with `what`.
function waitFor<T>(
  env: CheckEnv,
  what: string,
  seen: T[],
  test: (all: T[]) => boolean,
): { promise: Promise<void>; poke(): void } {
  let poke = () => undefined as void;
  const promise = env.step(
    what,
    new Promise<void>((resolve) => {
      poke = () => test(seen) && resolve();
      poke();
    }),
  );
  return { promise, poke: () => poke() };
}

const needs = (env: CheckEnv, verb: 'logs' | 'exec' | 'portForward'): string | undefined =>
  !env.provider[verb] ? `the provider has no ${verb}` : !env.innerLoop ? 'no innerLoop service given' : undefined;

const ref = (env: CheckEnv, st: InnerState) => ({ ctx: env.ctx(), key: env.key, entry: st.entry });

export const innerChecks: Check[] = [
  {
    id: 'logs',
    promise:
      "logs delivers each replica's stdout and stderr lines, each on its stream (or all as stdout where the provider says the platform merges them), whole",
    async run(env) {
      const skip = needs(env, 'logs');
      if (skip) return skip;
      const st = await deployInner(env, `kit-mark-${randomBytes(4).toString('hex')}`, 'f'.repeat(64));
      const lines: LogLine[] = [];
      const printed = () => lines.some((l) => l.line === `${st.mark}-err`);
      // Not following, logs returns once the lines so far are delivered: asked again (for up
      // to 20 s) until the service has printed its first lines.
      for (const deadline = Date.now() + 20_000; !printed() && Date.now() < deadline; ) {
        lines.length = 0;
        await env.step(
          'logs',
          env.provider.logs!({
            ...ref(env, st),
            follow: false,
            previous: false,
            onLine: (l) => lines.push(l),
            onReplica: () => undefined,
            signal: new AbortController().signal,
          }),
        );
        if (!printed()) await new Promise((r) => setTimeout(r, 200));
      }
      if (!printed())
        fail(`logs never showed the line ${st.mark}-err the service printed on stderr (got ${lines.length} lines)`);
      const out = lines.find((l) => l.line === st.mark);
      const err = lines.find((l) => l.line === `${st.mark}-err`);
      if (!out || out.stream !== 'stdout')
        fail(`the stdout line ${st.mark} came ${out ? `on ${out.stream}` : 'not at all'}`);
      // A platform that merges the streams (logStreams: 'merged') reports every line as stdout.
      const errStream = env.provider.logStreams === 'merged' ? 'stdout' : 'stderr';
      if (err!.stream !== errStream) fail(`the stderr line came on ${err!.stream}, not ${errStream}`);
      if (!out!.replica) fail('a line names no replica');
      // No order is checked across stdout and stderr: no runtime keeps one (Docker and the CRI
      // copy each stream on its own), also where the platform merges them into one (Kubernetes).
    },
  },
  {
    id: 'logs-follow',
    promise: 'logs with follow picks up a replica that starts later, says when one goes away, and stops when aborted',
    async run(env) {
      const skip = needs(env, 'logs');
      if (skip) return skip;
      let st = inner.get(env) ?? (await deployInner(env, `kit-mark-${randomBytes(4).toString('hex')}`, 'f'.repeat(64)));
      const lines: LogLine[] = [];
      const events: ReplicaEvent[] = [];
      const stop = new AbortController();
      const first = waitFor(env, "logs -f: the running replica's line", lines, (all) =>
        all.some((l) => l.line === st.mark),
      );
      const following = env.provider.logs!({
        ...ref(env, st),
        follow: true,
        previous: false,
        signal: stop.signal,
        onLine: (l) => (lines.push(l), first.poke(), later?.poke()),
        onReplica: (e) => (events.push(e), gone?.poke()),
      });
      let failed: unknown;
      following.catch((e) => (failed = e));
      let later: ReturnType<typeof waitFor<LogLine>> | undefined;
      let gone: ReturnType<typeof waitFor<ReplicaEvent>> | undefined;
      try {
        await first.promise;
        const mark = `kit-mark-${randomBytes(4).toString('hex')}`;
        later = waitFor(env, 'logs -f: the line of the replica that started after the redeploy', lines, (all) =>
          all.some((l) => l.line === mark),
        );
        gone = waitFor(env, 'logs -f: the old replica said gone', events, (all) => all.some((e) => e.event === 'gone'));
        st = await deployInner(env, mark, '9'.repeat(64));
        await Promise.all([later.promise, gone.promise]);
      } finally {
        stop.abort();
      }
      await env.step(
        'logs -f after the abort',
        following.catch(() => undefined),
      );
      if (failed) fail(`logs -f failed: ${(failed as Error).message}`);
    },
  },
  {
    id: 'exec-exit-code',
    promise: "exec passes the command's exit code through (0 and not 0)",
    async run(env) {
      const skip = needs(env, 'exec');
      if (skip) return skip;
      const st =
        inner.get(env) ?? (await deployInner(env, `kit-mark-${randomBytes(4).toString('hex')}`, 'f'.repeat(64)));
      for (const code of [0, 7]) {
        const r = await env.step(
          `exec (exit ${code})`,
          env.provider.exec!({
            ...ref(env, st),
            command: ['sh', '-c', `exit ${code}`],
            stdout: sink(),
            stderr: sink(),
            signal: new AbortController().signal,
          }),
        );
        if (r.exitCode !== code) fail(`a command that exits ${code} came back with ${r.exitCode}`);
      }
    },
  },
  {
    id: 'exec-bytes',
    promise: 'exec without a TTY passes stdin, stdout and stderr byte for byte, each on its own stream',
    async run(env) {
      const skip = needs(env, 'exec');
      if (skip) return skip;
      const st =
        inner.get(env) ?? (await deployInner(env, `kit-mark-${randomBytes(4).toString('hex')}`, 'f'.repeat(64)));
      // Every byte value, CR, LF and NUL included, and more than one frame's worth.
      const input = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(200_000)]);
      const out = sink();
      const err = sink();
      const r = await env.step(
        'exec cat',
        env.provider.exec!({
          ...ref(env, st),
          command: ['cat'],
          stdin: Readable.from([input]),
          stdout: out,
          stderr: err,
          signal: new AbortController().signal,
        }),
      );
      if (r.exitCode !== 0) fail(`cat exited ${r.exitCode}`);
      if (!out.bytes().equals(input))
        fail(`stdout is not the bytes sent to stdin (${out.bytes().length} bytes back of ${input.length})`);
      const out2 = sink();
      const err2 = sink();
      await env.step(
        'exec (stderr)',
        env.provider.exec!({
          ...ref(env, st),
          command: ['sh', '-c', 'printf "to-err\\r\\n" >&2'],
          stdout: out2,
          stderr: err2,
          signal: new AbortController().signal,
        }),
      );
      if (err2.bytes().toString('latin1') !== 'to-err\r\n' || out2.bytes().length)
        fail(
          `stderr came as ${JSON.stringify(err2.bytes().toString('latin1'))} with stdout ${JSON.stringify(out2.bytes().toString('latin1'))}`,
        );
    },
  },
  {
    id: 'port-forward',
    promise: 'portForward dials a port of a running replica: bytes go there and back unchanged',
    async run(env) {
      const skip = needs(env, 'portForward');
      if (skip) return skip;
      if (!env.innerLoop!.port) return 'the innerLoop service has no echo port';
      const st =
        inner.get(env) ?? (await deployInner(env, `kit-mark-${randomBytes(4).toString('hex')}`, 'f'.repeat(64)));
      const dialer = await env.step('portForward', env.provider.portForward!(ref(env, st)));
      try {
        if (!dialer.replica()) fail('the dialer names no replica');
        const socket = await env.step('dial', dialer.dial(env.innerLoop!.port!));
        const sent = randomBytes(50_000);
        const got: Buffer[] = [];
        let n = 0;
        await env.step(
          'echo through the forward',
          new Promise<void>((resolve, reject) => {
            socket.on('data', (b: Buffer) => {
              got.push(b);
              n += b.length;
              if (n >= sent.length) resolve();
            });
            socket.on('error', reject);
            socket.on('close', () =>
              n >= sent.length
                ? resolve()
                : reject(new Error(`the connection closed after ${n} of ${sent.length} bytes`)),
            );
            socket.write(sent);
          }),
        );
        socket.destroy();
        if (!Buffer.concat(got).subarray(0, sent.length).equals(sent))
          fail('the bytes that came back differ from those sent');
      } finally {
        await env.step('portForward close', dialer.close());
      }
    },
  },
  {
    id: 'sync',
    promise: 'sync puts the listed files (bytes as they are) in the running replica and deletes the deleted ones',
    async run(env) {
      const skip = needs(env, 'exec')
        ? 'the provider has no exec to look inside with'
        : !env.provider.sync
          ? 'the provider has no sync'
          : needs(env, 'exec');
      if (skip) return skip;
      const st =
        inner.get(env) ?? (await deployInner(env, `kit-mark-${randomBytes(4).toString('hex')}`, 'f'.repeat(64)));
      const dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-kit-sync-'));
      const content = Buffer.concat([Buffer.from('kit \r\n\0'), randomBytes(5000)]);
      try {
        mkdirSync(path.join(dir, 'sub'));
        writeFileSync(path.join(dir, 'a.bin'), content);
        writeFileSync(path.join(dir, 'sub', 'b.txt'), 'b\n');
        const cat = async (file: string) => {
          const out = sink();
          const r = await env.step(
            `exec cat ${file}`,
            env.provider.exec!({
              ...ref(env, st),
              command: ['cat', file],
              stdout: out,
              stderr: sink(),
              signal: new AbortController().signal,
            }),
          );
          return r.exitCode === 0 ? out.bytes() : undefined;
        };
        const r = await env.step(
          'sync',
          env.provider.sync!({
            ...ref(env, st),
            batches: [{ sourceDir: dir, dest: '/tmp/pctl-kit-sync', files: ['a.bin', 'sub/b.txt'], deleted: [] }],
          }),
        );
        if (!Array.isArray(r?.containers) || !r.containers.length)
          fail(`sync returned ${JSON.stringify(r)}, not the containers it reached`);
        if (!(await cat('/tmp/pctl-kit-sync/a.bin'))?.equals(content))
          fail('a synced file is not in the container as it is here');
        if ((await cat('/tmp/pctl-kit-sync/sub/b.txt'))?.toString() !== 'b\n')
          fail('a synced file in a subfolder is not in the container');
        await env.step(
          'sync (a deletion)',
          env.provider.sync!({
            ...ref(env, st),
            batches: [{ sourceDir: dir, dest: '/tmp/pctl-kit-sync', files: [], deleted: ['/tmp/pctl-kit-sync/a.bin'] }],
          }),
        );
        if (await cat('/tmp/pctl-kit-sync/a.bin')) fail('a file deleted here is still in the container after sync');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    id: 'run',
    promise:
      'run starts a one-off from the service: stdin in, stdout and stderr byte for byte, the exit code out, nothing of it left after',
    async run(env) {
      const skip = !env.provider.run
        ? 'the provider has no run'
        : !env.innerLoop
          ? 'no innerLoop service given'
          : undefined;
      if (skip) return skip;
      const st =
        inner.get(env) ?? (await deployInner(env, `kit-mark-${randomBytes(4).toString('hex')}`, 'f'.repeat(64)));
      const input = Buffer.concat([Buffer.from('kit \r\n\0'), randomBytes(5000)]);
      const out = sink();
      const err = sink();
      const r = await env.step(
        'run',
        env.provider.run!({
          ctx: env.ctx(),
          target: env.target(marked(env.innerLoop!.service, st.mark), 'f'.repeat(64)),
          command: ['sh', '-c', 'cat; printf "%s-run\\r\\n" "$PCTL_KIT_MARK" >&2; exit 3'],
          stdin: Readable.from([input]),
          stdout: out,
          stderr: err,
          signal: new AbortController().signal,
        }),
      );
      if (r.exitCode !== 3) fail(`a one-off that exits 3 came back with ${r.exitCode}`);
      if (!r.name) fail('run names nothing it ran');
      if (!out.bytes().equals(input))
        fail(`stdout is not the bytes sent to stdin (${out.bytes().length} bytes back of ${input.length})`);
      if (err.bytes().toString('latin1') !== `${st.mark}-run\r\n`)
        fail(`stderr came as ${JSON.stringify(err.bytes().toString('latin1'))}, not the service's env mark`);
      const left = env.observe ? (await env.observe()).filter((n) => n.includes(r.name)) : [];
      if (left.length) fail(`the one-off is still there after run resolved: ${left.join(', ')}`);
    },
  },
  {
    id: 'inner-loop-cleanup',
    promise: 'the inner-loop service is destroyed again',
    async run(env) {
      const st = inner.get(env);
      if (!st?.entry) return 'no inner-loop service was deployed';
      await env.step(
        'destroy (inner-loop service)',
        env.provider.destroy({ ctx: env.ctx(), key: env.key, entry: st.entry }),
      );
    },
  },
];
