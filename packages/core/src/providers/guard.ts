// A provider as the engine calls it: every verb a tracked step with a time limit, errors
// of any shape turned into one line naming the module, and what the verb returns checked
// against the contract before pctl records or prints it.
import type { AdoptResult, FoundResource, ProviderV1, ServiceStatus } from '../contract.js';
import { guardInnerLoop } from './guardInnerLoop.js';
import { cutLong, PctlError } from '../errors.js';
import { DEFAULT_STEP_TIMEOUT_MS, runStep, stepError } from '../step.js';
import { isJob, jobTimeoutSeconds } from '../config/dependsOn.js';
import { MAX_STATE_DEPTH, tooDeep } from '../state/store.js';
import type { StateEntry } from '../state/types.js';
import type { LoadedProvider } from './types.js';

export interface GuardOptions {
  /** Where the provider comes from, for messages: `./file-provider.mjs` or `built-in`. */
  source?: string;
  timeoutMs?: number;
}

const STATUS_STATES = new Set(['running', 'degraded', 'missing', 'stopped', 'unknown']);

// `provider file (./file-provider.mjs)`, `provider docker`.
export function providerModule(name: string, source?: string): string {
  return source && !source.startsWith('built-in') ? `provider ${name} (${source})` : `provider ${name}`;
}

function refused(module: string, verb: string, why: string): PctlError {
  return new PctlError({
    code: 'ProviderContract',
    message: `${module}: ${verb} returned ${why}`,
    fault: 'user',
    exitCode: 1,
    hint: 'see docs/providers/contract.md for what each verb returns',
  });
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  [Object.prototype, null].includes(Object.getPrototypeOf(v));

/** One entry past this makes a state file no later run reads (64 MiB for all): refused when returned. */
export const MAX_ENTRY_BYTES = 1024 * 1024;

// What deploy returns must be a state entry: a plain object of JSON values, not too big
// or too deep to store and read back.
function checkEntry(module: string, v: unknown): StateEntry {
  if (v === undefined) return {} as StateEntry;
  if (!isPlainObject(v)) throw refused(module, 'deploy', `${kindOf(v)}, not a state entry object ({ ... })`);
  let text: string;
  try {
    text = JSON.stringify(v);
  } catch (e) {
    throw refused(module, 'deploy', `a state entry that cannot be stored as JSON (${(e as Error).message})`);
  }
  const deep = tooDeep(v, MAX_STATE_DEPTH - 1);
  if (deep)
    throw refused(module, 'deploy', `a state entry nested more than ${MAX_STATE_DEPTH - 1} levels deep (at ${deep})`);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_ENTRY_BYTES)
    throw refused(
      module,
      'deploy',
      `a state entry of ${bytes} bytes, more than the ${MAX_ENTRY_BYTES} one entry can be (state files stay readable under 64 MiB)`,
    );
  return v as StateEntry;
}

function checkStatus(module: string, v: unknown): ServiceStatus {
  if (!isPlainObject(v) || typeof v.state !== 'string' || !STATUS_STATES.has(v.state)) {
    throw refused(
      module,
      'status',
      `${isPlainObject(v) ? `state ${JSON.stringify(v.state)}` : kindOf(v)}, not { state: ${[...STATUS_STATES].join(' | ')} }`,
    );
  }
  if (v.resources !== undefined && !Array.isArray(v.resources))
    throw refused(module, 'status', 'resources that are not a list');
  // A 20 MB detail or resource name is cut, as an error message would be, before it is printed.
  const cut = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).map(([k, x]) => [k, typeof x === 'string' ? cutLong(x) : x]));
  const resources = v.resources as unknown[] | undefined;
  return {
    ...cut(v),
    ...(resources ? { resources: resources.slice(0, MAX_RESOURCES).map((r) => (isPlainObject(r) ? cut(r) : r)) } : {}),
  } as unknown as ServiceStatus;
}

/** Resources of one status shown at most (a provider listing a million pods is cut). */
const MAX_RESOURCES = 1000;

function checkList<T>(module: string, verb: string, v: unknown, item: (x: unknown) => boolean, what: string): T[] {
  if (!Array.isArray(v)) throw refused(module, verb, `${kindOf(v)}, not a list of ${what}`);
  const bad = v.findIndex((x) => !item(x));
  if (bad >= 0) throw refused(module, verb, `a list whose item ${bad} is ${kindOf(v[bad])}, not ${what}`);
  return v as T[];
}

// What adopt returns: `{ adopt: true, entry }` or `{ adopt: false, reason }`.
function checkAdopt(module: string, v: unknown): AdoptResult {
  if (isPlainObject(v) && v.adopt === false && typeof v.reason === 'string') return v as AdoptResult;
  if (isPlainObject(v) && v.adopt === true)
    return { adopt: true, entry: checkEntry(module, v.entry), ...(typeof v.note === 'string' ? { note: v.note } : {}) };
  throw refused(module, 'adopt', `${kindOf(v)}, not { adopt: true, entry } or { adopt: false, reason }`);
}

const isFound = (x: unknown) =>
  isPlainObject(x) && typeof x.key === 'string' && typeof x.kind === 'string' && typeof x.name === 'string';

// Wraps a loaded provider so every call into it is guarded.
export function guardProvider(loaded: LoadedProvider, opts: GuardOptions = {}): LoadedProvider {
  // A plugin-run provider ran while the stack loaded: nothing here to guard.
  if (loaded.kind === 'plugin') return loaded;
  if (loaded.kind === 'legacy') {
    const module = providerModule(loaded.name, opts.source);
    return {
      ...loaded,
      fn: (parsed) =>
        runStep({ module, step: `the bare function (${process.argv[2] ?? 'run'})`, timeoutMs: opts.timeoutMs }, () =>
          loaded.fn(parsed),
        ),
    };
  }
  const p = loaded.provider;
  const module = providerModule(p.name, opts.source);
  // A check's issues, each `{ path, message }`; what it throws names the provider and the check.
  const checkedIssues = (mod: string, what: string, run: () => unknown) => {
    let issues: unknown;
    try {
      issues = run();
    } catch (e) {
      throw stepError({ module: mod, step: what }, e);
    }
    return checkList<{ path: (string | number)[]; message: string }>(
      mod,
      what,
      issues,
      (x) => isPlainObject(x) && Array.isArray(x.path) && typeof x.message === 'string',
      '{ path, message }',
    );
  };
  const step = <T>(what: string, fn: () => T | Promise<T>) =>
    runStep({ module, step: what, timeoutMs: opts.timeoutMs }, fn);
  const guarded: ProviderV1 = {
    ...p,
    // A job may run up to its own timeout: its step lasts at least that, and a minute more.
    deploy: async (params) =>
      checkEntry(
        module,
        isJob(params.target.service)
          ? await runStep(
              {
                module,
                step: `deploy ${params.target.key}`,
                timeoutMs: Math.max(
                  opts.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
                  jobTimeoutSeconds(params.target.service) * 1000 + 60_000,
                ),
              },
              () => p.deploy(params),
            )
          : await step(`deploy ${params.target.key}`, () => p.deploy(params)),
      ),
    adopt: p.adopt
      ? async (params) => checkAdopt(module, await step(`adopt ${params.target.key}`, () => p.adopt!(params)))
      : undefined,
    destroy: async (params) => {
      await step(`destroy ${params.key}`, () => p.destroy(params));
    },
    validateOptions: p.validateOptions
      ? (raw) => checkedIssues(module, 'validateOptions', () => p.validateOptions!(raw))
      : undefined,
    validateService: p.validateService
      ? (svc) => checkedIssues(module, 'validateService', () => p.validateService!(svc))
      : undefined,
    status: p.status
      ? async (params) => checkStatus(module, await step(`status ${params.key}`, () => p.status!(params)))
      : undefined,
    render: p.render
      ? async (params) =>
          checkList(
            module,
            'render',
            await step(`render ${params.target.key}`, () => p.render!(params)),
            isPlainObject,
            'objects',
          )
      : undefined,
    plan: p.plan
      ? async (params) =>
          checkList(
            module,
            'plan',
            await step(`plan ${params.target.key}`, () => p.plan!(params)),
            (x) => typeof x === 'string',
            'strings',
          )
      : undefined,
    discover: p.discover
      ? async (params) =>
          checkList<FoundResource>(
            module,
            'discover',
            await step('discover', () => p.discover!(params)),
            isFound,
            '{ key, kind, name }',
          )
      : undefined,
    needsPush: p.needsPush
      ? (raw) => {
          try {
            return Boolean(p.needsPush!(raw));
          } catch (e) {
            throw stepError({ module, step: 'needsPush' }, e);
          }
        }
      : undefined,
    sync: p.sync ? (params) => step(`sync ${params.key}`, () => p.sync!(params)) : undefined,
    ...guardInnerLoop(p, module, { timeoutMs: opts.timeoutMs, refused }),
  };
  return { kind: 'v1', provider: guarded };
}
