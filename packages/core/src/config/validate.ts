// Validates the resolved stack file: the schema, then the rules across fields (names and
// the resource names they map to, dependsOn, build paths, ports, volumes). Returns every
// issue; values that came from secrets are never quoted in a message.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { cycleText, findCycle } from '../concurrency/graph.js';
import { resourceName } from '../names.js';
import { serviceKey } from '../serviceKey.js';
import { suggest, type ConfigIssue } from './issues.js';
import { portListIssues } from './ports.js';
import { NAME_PATTERN, NAME_RULE, STACK_MANIFESTS_SERVICE, type ServiceConfig, type StackConfig } from './schema.js';
import { duplicateMount, resolveVolume, rootMount } from './volumes.js';
import { imageRefIssues } from './imageRefs.js';
import { dependencies, dependencyNames, kindIssues } from './dependsOn.js';

export interface ValidateInput {
  value: Record<string, unknown>;
  schema: z.ZodType<StackConfig, unknown>;
  /** One service's schema (with the plugin fields), to check services one by one when the file fails. */
  serviceSchema: z.ZodType<ServiceConfig, unknown>;
  lineOf: (p: readonly (string | number)[]) => number | undefined;
  configDir: string;
  /** The folder a path's relative paths start from (the file it is written in: an included one); default configDir. */
  dirOf?: (p: readonly (string | number)[]) => string;
  /** The stack name came from --name: its issues name the flag. */
  nameFromFlag: boolean;
  /** How the name's source is shown in its issues (default `--name`; `PCTL_NAME` when it came from there). */
  nameSource?: string;
  /** Dot-joined paths holding secrets: their values are shown as ***. */
  tainted?: ReadonlySet<string>;
  /** Service fields plugins declare (for "did you mean"). */
  pluginFields?: readonly string[];
}

/** The validated config, or the issues that stop it. */
export function validateStack(input: ValidateInput): { config?: StackConfig; issues: ConfigIssue[] } {
  const { lineOf } = input;
  const tainted = input.tainted ?? new Set<string>();
  const shown = (p: (string | number)[], v: unknown) => {
    const id = p.join('.');
    for (const t of tainted) if (t === id || id.startsWith(`${t}.`)) return '"***"';
    return JSON.stringify(v);
  };
  const issues: ConfigIssue[] = [];
  const at = (p: (string | number)[], message: string) => issues.push({ path: p.join('.'), line: lineOf(p), message });
  const parsed = input.schema.safeParse(input.value);
  if (!parsed.success) {
    // Errors at once: the services that pass their own schema still get the rules across fields.
    const raw = input.value.services;
    const services: Record<string, ServiceConfig> = {};
    const written = raw && typeof raw === 'object' && !Array.isArray(raw) ? Object.keys(raw) : [];
    for (const name of written) {
      const one = input.serviceSchema.safeParse((raw as Record<string, unknown>)[name]);
      if (one.success && NAME_PATTERN.test(name)) services[name] = one.data;
    }
    const all = input.value.manifests !== undefined ? [...written, STACK_MANIFESTS_SERVICE] : written;
    const stack =
      typeof input.value.name === 'string' && NAME_PATTERN.test(input.value.name) ? input.value.name : undefined;
    serviceRules({ stack, services, names: all, input, shown, at });
    return { issues: [...parsed.error.issues.flatMap((i) => toIssues(i, input)), ...issues] };
  }
  const config = parsed.data;

  // Stack-level manifests become a service of their own (state key `<stack>-manifests`).
  if (config.manifests) {
    if (config.services[STACK_MANIFESTS_SERVICE]) {
      at(
        ['manifests'],
        `stack-level manifests deploy as the service "${STACK_MANIFESTS_SERVICE}", and a service has that name: rename it, or list the files under that service`,
      );
    } else {
      config.services[STACK_MANIFESTS_SERVICE] = {
        manifests: config.manifests.files,
        provider: config.manifests.provider,
      };
      delete config.manifests;
    }
  }
  serviceRules({
    stack: config.name,
    services: config.services,
    names: Object.keys(config.services),
    input,
    shown,
    at,
  });
  // Self-dependencies have their own line (serviceRules).
  const cycle = findCycle(Object.keys(config.services), (n) =>
    dependencyNames(config.services[n]).filter((d) => d !== n),
  );
  if (cycle) at(['services', cycle[0]!, 'dependsOn'], `dependsOn cycle: ${cycleText(cycle)}`);
  return issues.length ? { issues } : { config, issues };
}

// The rules across fields of each service: key length, resource names, dependsOn, build
// paths, ports, volumes (host paths made absolute here).
function serviceRules(o: {
  stack: string | undefined;
  services: Record<string, ServiceConfig>;
  names: string[];
  input: ValidateInput;
  shown: (p: (string | number)[], v: unknown) => string;
  at: (p: (string | number)[], m: string) => void;
}) {
  const { services, names, input, shown, at } = o;
  const known = new Set(names);
  const byResource = new Map<string, string>();
  const dirOf = input.dirOf ?? (() => input.configDir);
  for (const [name, svc] of Object.entries(services)) {
    if (o.stack !== undefined) {
      const key = serviceKey(o.stack, name);
      if (key.length > 63) at(['services', name], `"${key}" (stack-service) must be at most 63 characters`);
      const resource = resourceName(o.stack, name);
      const other = byResource.get(resource);
      if (other !== undefined)
        at(
          ['services', name],
          `services "${other}" and "${name}" both map to the resource name "${resource}": rename one`,
        );
      else byResource.set(resource, name);
    }
    for (const [i, { service: dep }] of dependencies(svc).entries()) {
      const p =
        typeof svc.dependsOn?.[i] === 'string'
          ? ['services', name, 'dependsOn', i]
          : ['services', name, 'dependsOn', i, 'service'];
      if (!known.has(dep)) at(p, `unknown service ${shown(p, dep)} (services: ${listed(names)})`);
      else if (dep === name) at(p, 'a service cannot depend on itself');
    }
    for (const issue of kindIssues(name, svc, services)) at(['services', name, ...issue.path], issue.message);
    if (svc.image !== undefined) {
      const dir = dirOf(['services', name, 'image']);
      imageIssues(svc.image, ['services', name, 'image'], dir, realOrSelf(dir), shown, at);
    }
    for (const { index, message } of portListIssues(svc.ports ?? [])) at(['services', name, 'ports', index], message);
    if (svc.volumes) {
      svc.volumes = svc.volumes.map((v, i) => resolveVolume(v, dirOf(['services', name, 'volumes', i])));
      const dup = duplicateMount(svc.volumes);
      if (dup)
        at(
          ['services', name, 'volumes', dup.index],
          `mount point ${svc.volumes[dup.index]!.path} is already used by volume ${dup.first}`,
        );
      const root = rootMount(svc.volumes);
      if (root !== undefined)
        at(
          ['services', name, 'volumes', root],
          'a volume cannot be mounted at / (it would replace the whole container filesystem): mount it at a folder such as /data',
        );
    }
  }
  for (const issue of imageRefIssues(services, shown)) at(issue.path, issue.message);
}

// `./path` images stay inside the stack file's folder, also through symlinks.
function imageIssues(
  image: string,
  p: (string | number)[],
  configDir: string,
  realDir: string,
  shown: (p: (string | number)[], v: unknown) => string,
  at: (p: (string | number)[], m: string) => void,
) {
  if (image.startsWith('./') || image.startsWith('../')) {
    const rel = path.normalize(image);
    if (image.includes('\0') || rel === '..' || rel.startsWith(`..${path.sep}`)) {
      at(p, `${shown(p, image)} leaves the stack file's folder; use a build: block with an explicit context for that`);
      return;
    }
    const real = realOrUndefined(path.resolve(configDir, image));
    if (real !== undefined && real !== realDir && !real.startsWith(realDir + path.sep)) {
      at(
        p,
        `${shown(p, image)} leads outside the stack file's folder through a symbolic link (to ${real}); use a build: block with an explicit context for that`,
      );
    }
  } else if (/^\/|\0/.test(image)) {
    at(p, 'an image to build is a path starting with ./ (relative to the stack file), not an absolute path');
  }
}

const realOrUndefined = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
};
const realOrSelf = (p: string) => realOrUndefined(p) ?? path.resolve(p);

function toIssues(issue: z.core.$ZodIssue, input: ValidateInput): ConfigIssue[] {
  const { lineOf } = input;
  const p = issue.path.filter((x): x is string | number => typeof x !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const known = p[0] === 'services' && p.length === 2 ? input.pluginFields : undefined;
    return issue.keys.map((k) => ({
      path: [...p, k].join('.'),
      line: lineOf([...p, k]),
      message: `unknown field "${k}"${suggest(k, known ? [...knownFields, ...known] : undefined)}`,
    }));
  }
  if (p[0] === 'name' && input.nameFromFlag) return [{ path: input.nameSource ?? '--name', message: issue.message }];
  if (issue.code === 'invalid_key' && p[0] === 'services') {
    const bad = String(p[1] ?? '');
    return [
      {
        path: `services.${JSON.stringify(bad).slice(1, -1)}`,
        line: lineOf(['services', bad]),
        message: `service name may hold ${NAME_RULE}`,
      },
    ];
  }
  let message = issue.message;
  if (issue.code === 'invalid_type' && /received undefined/.test(message))
    message = `required field is missing (${message})`;
  if (issue.code === 'invalid_union') message = unionMessage(issue) ?? message;
  return [{ path: p.join('.'), line: lineOf(p), message }];
}

const knownFields = [
  'image',
  'build',
  'registry',
  'command',
  'env',
  'scale',
  'ports',
  'health',
  'volumes',
  'dependsOn',
  'kind',
  'timeout',
  'strategy',
  'rollout',
  'manifests',
  'provider',
  'description',
  'version',
];

function unionMessage(issue: z.core.$ZodIssue & { code: 'invalid_union' }): string | undefined {
  // A branch of the right type that failed a check says the most; else the union's own message.
  const specific = (issue.errors ?? []).flat().find((e) => e.code !== 'invalid_type' && e.code !== 'invalid_union');
  return specific?.message ?? issue.message;
}

// Service names for a message: a long list is cut (every unknown dependency repeats it).
function listed(names: readonly string[]): string {
  return names.length <= 20 ? names.join(', ') : `${names.slice(0, 20).join(', ')}, ... (${names.length} in all)`;
}
