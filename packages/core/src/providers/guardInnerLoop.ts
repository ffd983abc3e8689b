// The inner-loop verbs (logs, exec, portForward) as the engine calls them: each a tracked
// step, what the provider hands back (lines, exit codes, dialers) checked against the
// contract. Logs and exec run as long as the user wants: their step has no time limit,
// only opening a port-forward or one connection through it has.
import type { LogLine, PortDialer, ProviderV1, ReplicaEvent } from '../contract.js';
import type { PctlError } from '../errors.js';
import { runStep, stepError } from '../step.js';

/** The longest a timer can wait (about 24.8 days): a stream's step has no limit of its own. */
const NO_LIMIT_MS = 2 ** 31 - 1;

type Refused = (module: string, verb: string, why: string) => PctlError;

const isLine = (l: unknown): l is LogLine => {
  const x = l as LogLine;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.replica === 'string' &&
    (x.stream === 'stdout' || x.stream === 'stderr') &&
    typeof x.line === 'string' &&
    (x.time === undefined || typeof x.time === 'string')
  );
};
const isReplicaEvent = (e: unknown): e is ReplicaEvent => {
  const x = e as ReplicaEvent;
  return (
    typeof x === 'object' && x !== null && typeof x.replica === 'string' && (x.event === 'added' || x.event === 'gone')
  );
};

const validExit = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 255;

// The guarded logs, exec and portForward of a provider (undefined where it has none).
export function guardInnerLoop(
  p: ProviderV1,
  module: string,
  o: { timeoutMs?: number; refused: Refused },
): Pick<ProviderV1, 'logs' | 'exec' | 'portForward' | 'run'> {
  const stream = <T>(what: string, fn: () => Promise<T>) => runStep({ module, step: what, timeoutMs: NO_LIMIT_MS }, fn);
  const step = <T>(what: string, fn: () => Promise<T>) => runStep({ module, step: what, timeoutMs: o.timeoutMs }, fn);
  return {
    logs: p.logs
      ? (params) =>
          stream(`logs ${params.key}`, () =>
            p.logs!({
              ...params,
              onLine: (l) => {
                if (!isLine(l))
                  throw o.refused(
                    module,
                    'logs',
                    `a line that is not { replica, stream: stdout | stderr, line }: ${JSON.stringify(l)?.slice(0, 80)}`,
                  );
                params.onLine(l);
              },
              onReplica: (e) => {
                if (!isReplicaEvent(e))
                  throw o.refused(
                    module,
                    'logs',
                    `a replica event that is not { replica, event: added | gone }: ${JSON.stringify(e)?.slice(0, 80)}`,
                  );
                params.onReplica(e);
              },
            }),
          )
      : undefined,
    exec: p.exec
      ? async (params) => {
          const r = await stream(`exec ${params.key}`, () => p.exec!(params));
          if (
            typeof r !== 'object' ||
            r === null ||
            typeof r.replica !== 'string' ||
            !Number.isInteger(r.exitCode) ||
            r.exitCode < 0 ||
            r.exitCode > 255
          ) {
            throw o.refused(module, 'exec', `${JSON.stringify(r)?.slice(0, 80)}, not { replica, exitCode: 0..255 }`);
          }
          return r;
        }
      : undefined,
    run: p.run
      ? async (params) => {
          const r = await stream(`run ${params.target.key}`, () => p.run!(params));
          const x = r as { name?: unknown; exitCode?: unknown } | null;
          if (typeof x !== 'object' || x === null || typeof x.name !== 'string' || !validExit(x.exitCode))
            throw o.refused(module, 'run', `${JSON.stringify(r)?.slice(0, 80)}, not { name, exitCode: 0..255 }`);
          return r;
        }
      : undefined,
    portForward: p.portForward
      ? async (params) => {
          const d = await step(`port-forward ${params.key}`, () => p.portForward!(params));
          if (
            typeof d !== 'object' ||
            d === null ||
            typeof d.dial !== 'function' ||
            typeof d.close !== 'function' ||
            typeof d.replica !== 'function'
          ) {
            throw o.refused(module, 'portForward', 'something that is not a dialer { replica(), dial(port), close() }');
          }
          const dialer: PortDialer = {
            replica: () => String(d.replica()),
            dial: (port) => step(`port-forward ${params.key}: connecting to port ${port}`, () => d.dial(port)),
            close: async () => {
              try {
                await d.close();
              } catch (e) {
                throw stepError({ module, step: `port-forward ${params.key}: close` }, e);
              }
            },
          };
          return dialer;
        }
      : undefined,
  };
}
