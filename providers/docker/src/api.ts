// How the docker provider speaks to a Docker engine: the Engine API through @pctl/core's
// engineFor (the local engine from the environment, or a remote one through one ssh
// stream-local forward), each call reported under --verbose as `> METHOD /path` (the
// route only, never a request body, so no env value is printed) and its failure worded
// as what failed.
import os from 'node:os';
import {
  engineError,
  engineFor,
  engineStatusCode,
  maskSecrets,
  PctlError,
  type Engine,
  type ProviderContext,
  type SshTarget,
} from '@pctl/core';
import type Docker from 'dockerode';
import type { DockerOptions } from './options.js';

/** One engine as the provider uses it. */
export interface Api {
  docker: Docker;
  engine: Engine;
  /** The remote host's name, or undefined for the local engine. */
  host?: string;
  /** Runs one engine call, logged as `route` under --verbose, a failure worded as `what` failed. */
  call<T>(route: string, what: string, fn: (d: Docker) => Promise<T>): Promise<T>;
  /** Logs a route under --verbose (for calls whose errors are handled by the caller). */
  log(route: string): void;
  /** A failed call's error, worded as `what` failed. */
  fail(e: unknown, what: string): PctlError;
}

// The ssh target of a service's options (host, user, port, key, sudo), or undefined for the local engine.
export function sshTarget(o: DockerOptions): SshTarget | undefined {
  if (!o.host) return undefined;
  return { host: o.host, user: o.user, port: o.port, key: o.key?.replace(/^~(?=\/|$)/, os.homedir()), sudo: o.sudo };
}

// The engine the options name, opened once per process and target by engineFor.
export async function connect(ctx: ProviderContext, o: DockerOptions): Promise<Api> {
  const target = sshTarget(o);
  let engine: Engine;
  try {
    engine = await engineFor(ctx, target);
  } catch (e) {
    throw engineError(e, target ? `reaching the Docker engine on ${o.host}` : 'reaching the Docker engine');
  }
  const suffix = o.host ? ` (on ${o.host})` : '';
  const log = (route: string) => {
    if (ctx.verbose) ctx.reporter.debug(`> ${maskSecrets(route, ctx.secrets)}${suffix}`);
  };
  return {
    docker: engine.api,
    engine,
    host: o.host,
    log,
    fail: (e, what) => engineError(e, what, engine),
    async call(route, what, fn) {
      log(route);
      try {
        return await fn(engine.api);
      } catch (e) {
        throw engineError(e, what, engine);
      }
    },
  };
}

/** HTTP status of a failed engine call (404 for a missing object), if it has one. */
export function statusOf(e: unknown): number | undefined {
  return engineStatusCode(e);
}

/** The engine's own message of a failed call. */
export function messageOf(e: unknown): string {
  const j = (e as { json?: { message?: string } | string })?.json;
  if (j && typeof j === 'object' && j.message) return j.message;
  return (e as Error)?.message ?? String(e);
}

// A name (container, volume, network, image) as it goes into an engine route: every
// character that could end the path or start a query (`?`, `#`, `%`, spaces, controls,
// anything outside printable ASCII) percent-encoded, so it stays part of the name; a `.`
// or `..` segment (which the engine's router would climb) is refused: no Docker object is
// called that. `/`, `:` and `@` stay (`registry:5000/repo:tag`, `repo@sha256:...`).
export function pathPart(value: string): string {
  if (value === '' || value.split('/').some((s) => s === '.' || s === '..' || s === '')) {
    throw new PctlError({
      code: 'StateInvalid',
      exitCode: 2,
      fault: 'user',
      message: `${JSON.stringify(value)} cannot name a Docker object`,
      hint: 'correct the name in the stack file or the state file',
    });
  }
  return value.replace(/[^\w.:@\/+=,~-]/g, (c) => encodeURIComponent(c));
}

// Options for a dockerode call that has a JSON body: dockerode would otherwise copy every
// body field into the query string too (docker-modem's dial), and the engine logs request
// URIs at debug level, so an env value would reach its log. `_query`/`_body` keep them apart.
export function bodyOnly<T>(body: T, query: Record<string, string> = {}): T {
  return { _query: query, _body: body } as unknown as T;
}
