// Composes the stack a run works on from the stack file as written: the services of the
// files it includes, then the selected environment laid over the result (merge.ts). Runs
// before references resolve, so `${self:...}` sees the composed stack. Every path of the
// result knows the file and line it is written at (`whereOf`) and so the folder its
// relative paths and `${file:...}` start from (`dirOf`).
import path from 'node:path';
import { closestName } from '../closestName.js';
import { PctlError } from '../errors.js';
import {
  duplicate,
  gatherIncludes,
  repositoryRoot,
  type IncludedService,
  type SourcedIssue,
  type SourceFile,
} from './includes.js';
import { fromOverlay, mergeOver } from './merge.js';
import { NAME_PATTERN, NAME_RULE } from './schema.js';

type Path = readonly (string | number)[];

export interface Composed {
  value: Record<string, unknown>;
  /** The file (absolute) and line a path of the composed stack is written at. */
  whereOf: (p: Path) => { file: string; line?: number };
  issues: SourcedIssue[];
  /** The environments the stack file defines. */
  environments: string[];
}

/** The name `--env all` takes: every environment, for `pctl validate`. */
export const ALL_ENVIRONMENTS = 'all';

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The environments a parsed stack file defines (valid names only), in file order. */
export function environmentNames(raw: Record<string, unknown>): string[] {
  return isMap(raw.environments)
    ? Object.keys(raw.environments).filter((n) => NAME_PATTERN.test(n) && n !== ALL_ENVIRONMENTS)
    : [];
}

export async function composeStack(o: {
  raw: Record<string, unknown>;
  top: SourceFile;
  environment?: string;
  shown: (file: string) => string;
}): Promise<Composed> {
  const { raw, top } = o;
  const issues: SourcedIssue[] = [];
  const at = (p: (string | number)[], message: string) =>
    issues.push({ file: top.file, path: p.join('.'), line: top.lineOf(p), message });
  const environments = environmentIssues(raw, at);
  const env = o.environment;
  let overlay: Record<string, unknown> | undefined;
  if (env !== undefined) {
    overlay = selectEnvironment(raw, env, environments, o.shown(top.file));
    if (overlay.environments !== undefined)
      at(['environments', env, 'environments'], 'an environment cannot define environments of its own');
  }
  const envPath = (p: Path) => ['environments', env!, ...p];

  // The include list: the environment's when it sets one (lists are replaced), else the base's.
  const envIncludes = overlay !== undefined && Object.prototype.hasOwnProperty.call(overlay, 'include');
  const included = await gatherIncludes({
    list: envIncludes ? overlay!.include : raw.include,
    from: top,
    listPath: envIncludes ? envPath(['include']) : ['include'],
    topFile: top.file,
    root: repositoryRoot(path.dirname(top.file)),
    shown: o.shown,
  });
  issues.push(...included.issues);

  const base: Record<string, unknown> = { ...raw };
  delete base.environments;
  delete base.include;
  if (included.services.size) {
    const own = isMap(raw.services) ? raw.services : {};
    const services: Record<string, unknown> = { ...own };
    for (const [name, svc] of included.services) {
      if (Object.prototype.hasOwnProperty.call(own, name))
        duplicate(issues, name, svc, { value: own[name], source: top }, o.shown);
      else services[name] = svc.value;
    }
    if (raw.services === undefined || isMap(raw.services)) base.services = services;
  }
  let value = base;
  if (overlay !== undefined) {
    const layer: Record<string, unknown> = { ...overlay };
    delete layer.include;
    delete layer.environments;
    value = mergeOver(base, layer) as Record<string, unknown>;
    freshOptionsOnProviderChange(base, layer, value);
    // Each environment is its own stack: `<name>-<env>` unless it names itself.
    if (!Object.prototype.hasOwnProperty.call(layer, 'name') && typeof base.name === 'string')
      value.name = `${base.name}-${env}`;
  }

  // Services another file defines are written there (unless the top file defines the name too).
  const fromFile = (p: Path): SourceFile => {
    if (p[0] !== 'services' || p.length < 2) return top;
    const svc = included.services.get(String(p[1]));
    return !svc || (isMap(raw.services) && Object.prototype.hasOwnProperty.call(raw.services, String(p[1])))
      ? top
      : svc.source;
  };
  const whereOf = (p: Path) => {
    if (overlay !== undefined && p.length && fromOverlay(overlay, p))
      return { file: top.file, line: top.lineOf(envPath(p)) };
    const source = fromFile(p);
    return { file: source.file, line: source.lineOf(p) };
  };
  return { value, whereOf, issues, environments };
}

// A service an environment moves to another provider takes only the options the environment
// gives: the base's options belong to the provider it leaves (docker's `host` means nothing to aws).
function freshOptionsOnProviderChange(
  base: Record<string, unknown>,
  layer: Record<string, unknown>,
  merged: Record<string, unknown>,
): void {
  if (!isMap(layer.services) || !isMap(merged.services)) return;
  for (const [name, svc] of Object.entries(layer.services)) {
    const to = isMap(svc) && isMap(svc.provider) ? svc.provider : undefined;
    const from = isMap(base.services) && isMap(base.services[name]) ? base.services[name].provider : undefined;
    const out = merged.services[name];
    if (
      !to ||
      typeof to.name !== 'string' ||
      !isMap(from) ||
      from.name === to.name ||
      !isMap(out) ||
      !isMap(out.provider)
    )
      continue;
    if (to.options === undefined) delete out.provider.options;
    else out.provider.options = structuredClone(to.options);
  }
}

// The names under `environments:` that cannot be used, and the usable ones.
function environmentIssues(raw: Record<string, unknown>, at: (p: (string | number)[], m: string) => void): string[] {
  const envs = raw.environments;
  if (envs === undefined || envs === null) return [];
  if (!isMap(envs)) {
    at(
      ['environments'],
      'environments must be a map of environment name to a partial stack, like { dev: { services: ... } }',
    );
    return [];
  }
  for (const [name, body] of Object.entries(envs)) {
    if (name === ALL_ENVIRONMENTS)
      at(
        ['environments', name],
        `"${ALL_ENVIRONMENTS}" is reserved (--env all validates every environment): rename it`,
      );
    else if (!NAME_PATTERN.test(name) || name.length > 63)
      at(['environments', name], `environment name may hold ${NAME_RULE}`);
    if (body !== null && !isMap(body))
      at(
        ['environments', name],
        'an environment is a partial stack (a map), like { services: { api: { scale: { replica: 3 } } } }',
      );
  }
  return environmentNames(raw);
}

// The environment's partial stack, or exit 2 naming the closest name.
function selectEnvironment(
  raw: Record<string, unknown>,
  env: string,
  names: string[],
  file: string,
): Record<string, unknown> {
  if (env === ALL_ENVIRONMENTS) {
    throw new PctlError({
      code: 'BadUsage',
      message: `--env ${ALL_ENVIRONMENTS} is for pctl validate; name one environment (${names.join(', ') || 'none defined'})`,
      fault: 'user',
      exitCode: 2,
    });
  }
  const envs = isMap(raw.environments) ? raw.environments : {};
  if (!names.includes(env) || !Object.prototype.hasOwnProperty.call(envs, env)) {
    const near = closestName(env, names);
    throw new PctlError({
      code: 'UnknownEnvironment',
      message: names.length
        ? `no environment "${env}" in ${file}${near ? ` (did you mean "${near}"?)` : ''}`
        : `${file} defines no environments, so --env ${env} names nothing`,
      fault: 'user',
      exitCode: 2,
      hint: names.length
        ? `environments: ${names.join(', ')}`
        : 'add an environments: map to the stack file, or drop --env / PCTL_ENV',
    });
  }
  const body = envs[env];
  return isMap(body) ? body : {};
}

export type { IncludedService };
