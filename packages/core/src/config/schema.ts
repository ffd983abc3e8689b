// The stack file's validation schema: a superset of the existing pctl format.
// Objects are strict (an unknown field is an error, usually a typo), except `custom`
// and `provider.options`, which belong to the user and to each provider, and the
// service fields a plugin declares (`stackSchema(fields)`).
import { z } from 'zod';
import { parsePortEntry, PORT_PATTERN } from './ports.js';
import { parseVolumeString } from './volumes.js';
import { StateConfigSchema } from './stateSchema.js';
import { cacheEntryIssue } from '../image/buildkit/cacheOptions.js';

/** A DNS-1123 label: what platform object names must be (see names.ts for the derivation). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Stack and service names as the original pctl accepts them (`My_App`, `my_api`): letters, digits, '-', '_'. */
export const NAME_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$/;
export const NAME_RULE =
  "letters, digits, '-' and '_', starting and ending with a letter or digit, at most 63 characters";
const stackOrServiceName = (what: string) =>
  z.string().max(63, `${what} must be at most 63 characters`).regex(NAME_PATTERN, `${what} may hold ${NAME_RULE}`);

const quantity = z.union([
  z.string().regex(/^\d+(\.\d+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/, 'expected a quantity like 256m, 1, 512Mi'),
  z.number().positive(),
]);

const duration = z.union([
  z.number().int().positive(),
  z.string().regex(/^\d+(ms|s|m|h)?$/, 'expected a duration like 10s, 1m or a number of seconds'),
]);

const envValue = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));

export const RegistrySchema = z.union([
  z.string().min(1),
  z.strictObject({
    url: z.string().min(1),
    username: z.string().optional(),
    password: z.string().optional(),
  }),
]);

// An ssh agent's socket as build.ssh names it: a plain path (absolute, ~/..., or relative
// to the stack file), never an option, a second line, a shell word, a way out through "..",
// a kernel file or a container engine's socket (a build step could drive the engine).
const SSH_SOCKET = /^(~\/)?[A-Za-z0-9._/+@:%,=-]+$/;
const sshSocket = z
  .string()
  .min(1)
  .superRefine((p, ctx) => {
    const say = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (p.startsWith('-')) say(`${JSON.stringify(p)} looks like a command-line option, not an ssh agent socket path`);
    else if (!SSH_SOCKET.test(p))
      say(
        `${JSON.stringify(p)} is not a plain socket path (letters, digits and . _ / + @ : % , = -; no spaces, newlines, NULs or shell characters)`,
      );
    else if (p.split('/').includes('..'))
      say(`${JSON.stringify(p)} climbs out with "..": name the agent's socket where it is (absolute or ~/...)`);
    else if (/^\/(proc|sys|dev)(\/|$)/.test(p)) say(`${JSON.stringify(p)} is a kernel file, not an ssh agent socket`);
    else if (/(^|\/)(docker|containerd|podman|buildkitd|crio|dockershim)\.sock$/.test(p))
      say(`${JSON.stringify(p)} is a container engine's socket, not an ssh agent's (it is never forwarded to a build)`);
  });

// One registry cache of build.cacheFrom (`to` false) or build.cacheTo, checked as the builders read it.
const cacheEntry = (to: boolean) =>
  z
    .string()
    .min(1)
    .superRefine((raw, ctx) => {
      const issue = cacheEntryIssue(raw, to);
      if (issue) ctx.addIssue({ code: 'custom', message: issue });
    });

export const BuildSchema = z.strictObject({
  context: z.string().optional().describe('build context folder, relative to the stack file'),
  dockerfile: z.string().optional().describe('Dockerfile path, relative to the context (default: Dockerfile)'),
  target: z.string().optional(),
  args: z.record(z.string(), envValue).optional(),
  entrypoint: z.array(z.string()).optional().describe('ENTRYPOINT override applied in memory'),
  secrets: z
    .record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a secret id is letters, digits, ".", "_" and "-"'),
      envValue,
    )
    .optional()
    .describe(
      'build secrets by id, mounted only for RUN --mount=type=secret,id=<id>: never in the image, its history, the cache key or the state',
    ),
  ssh: z
    .union([
      z.literal('default'),
      // The ids are checked after the map is read, so that a bad one is named at its own line.
      z.record(z.string(), sshSocket).superRefine((agents, ctx) => {
        for (const id of Object.keys(agents))
          if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id))
            ctx.addIssue({
              code: 'custom',
              path: [id],
              message: `ssh id ${JSON.stringify(id)}: an ssh id is letters, digits, ".", "_" and "-", starting with a letter or digit`,
            });
      }),
    ])
    .optional()
    .describe(
      'ssh agents for RUN --mount=type=ssh: default forwards $SSH_AUTH_SOCK; { id: socket path } names agents by id (read-only: a build step can list keys and sign, not add, remove or lock)',
    ),
  cacheFrom: z
    .union([cacheEntry(false), z.array(cacheEntry(false))])
    .optional()
    .describe('registry caches to import: type=registry,ref=REGISTRY/REPO:TAG (or the bare ref), one or a list'),
  cacheTo: z
    .union([cacheEntry(true), z.array(cacheEntry(true))])
    .optional()
    .describe(
      'cache to export: type=registry,ref=REGISTRY/REPO:TAG (the image with its inline cache, pushed to ref) or type=inline',
    ),
  builder: z
    .enum(['docker', 'classic', 'buildx', 'custom'])
    .optional()
    .describe(
      "docker (default): the engine's BuildKit through its API; classic: the engine's classic builder; buildx: the docker CLI plugin; custom: build.command",
    ),
  command: z.array(z.string()).optional().describe('custom builder argv with {context}, {dockerfile}, {image}'),
});

const replica = z.union([
  z.number().int().min(0).max(10_000),
  z
    .tuple([z.number().int().min(0).max(10_000), z.number().int().min(1).max(10_000)])
    .refine(([min, max]) => min <= max, 'replica range [min, max] needs min <= max'),
]);

export const ScaleSchema = z.strictObject({
  replica: replica.default(1),
  cpu: quantity.optional(),
  memory: quantity.optional(),
});

// A port in any of Docker's forms; bounds and range lengths are checked by parsePortEntry.
const port = z
  .union(
    [
      z.number().int(),
      z
        .string()
        .regex(
          PORT_PATTERN,
          'expected a port like 8080, "8080:80", "127.0.0.1:8080:80", "8000-8002:8000-8002" or "53/udp"',
        ),
    ],
    {
      error: 'expected a port number or a string like "8080:80"',
    },
  )
  .superRefine((p, ctx) => {
    const r = parsePortEntry(p);
    if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
  });

const absolutePath = z.string().regex(/^\//, 'volume path must be absolute');
const volumeObject = z.strictObject({
  path: absolutePath.describe('mount point in the container'),
  hostPath: z
    .string()
    .min(1)
    .optional()
    .describe('host folder to mount (relative to the stack file); absent: storage the provider makes'),
  readOnly: z.boolean().optional(),
});
// `{path}` or the compose short form "./data:/data[:ro]", both read as `{path, hostPath?, readOnly?}`.
const volume = z.union(
  [
    volumeObject,
    z
      .string()
      .min(1)
      .transform((s, ctx) => {
        const v = parseVolumeString(s);
        if (typeof v === 'string') {
          ctx.addIssue({ code: 'custom', message: v });
          return z.NEVER;
        }
        return v;
      }),
  ],
  { error: 'expected { path: /mount/point } or "./host-folder:/mount/point"' },
);

// Documented metadata the original pctl's docs use and pctl does not act on.
const metadata = {
  description: z.string().optional().describe('free text; not used by pctl'),
  version: z.union([z.string(), z.number()]).optional().describe('free text; not used by pctl'),
};

/** Kubernetes takes the interval as int32 seconds, Docker as int64 nanoseconds: both hold this. */
const MAX_INTERVAL_SECONDS = 2 ** 31 - 1;
const SECONDS_PER: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
// A duration as seconds: `90` -> 90, `2m` -> 120, `500ms` -> 0.5.
export const seconds = (d: number | string): number =>
  typeof d === 'number' ? d : Number(/^\d+/.exec(d)![0]) * SECONDS_PER[/[a-z]+$/.exec(d)?.[0] ?? 's']!;
const interval = duration.refine(
  (d) => seconds(d) <= MAX_INTERVAL_SECONDS,
  `must be at most ${MAX_INTERVAL_SECONDS} seconds (about 68 years), the longest interval the platforms take`,
);

export const HealthSchema = z.strictObject({
  interval: interval.default(10),
  command: z.string().min(1),
  retries: z.number().int().min(1).max(100).default(3),
  onfailure: z.enum(['restart', 'stop']).default('restart'),
});

// How many releases the state keeps per service (`pctl history`, `pctl rollback`).
export const DEFAULT_HISTORY = 10;
const historySchema = z.number().int().min(1).max(100);
/** How a changed service's containers are replaced (docker): the new beside the old, or the old gone first. */
export const StrategySchema = z.enum(['start-first', 'stop-first']);

export const RolloutSchema = z.strictObject({
  batch: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .describe('containers replaced at once, each batch gated on health (default 1)'),
});

/** What a service is: one that runs until replaced, or a job that runs to completion. */
export const ServiceKindSchema = z.enum(['service', 'job']);
/** How long one run of a job may take by default. */
export const DEFAULT_JOB_TIMEOUT = '10m';
/** `{ service, condition }`: what a dependency must have reached before its dependent deploys. */
export const DependsOnEntrySchema = z.strictObject({
  service: z.string().min(1),
  condition: z
    .enum(['started', 'healthy', 'completed'])
    .optional()
    .describe('started: its containers run; healthy: its health check passed; completed: the job exited 0'),
});

export const ProviderRefSchema = z.strictObject({
  name: z.string().min(1),
  options: z.record(z.string(), z.unknown()).default({}),
});

export const serviceFields = {
  image: z
    .string()
    .min(1)
    .optional()
    .describe('./path/Dockerfile, ./folder (with a Dockerfile), or an image reference'),
  build: BuildSchema.optional(),
  registry: RegistrySchema.optional(),
  command: z.string().optional(),
  env: z.record(z.string(), envValue).optional(),
  scale: ScaleSchema.optional(),
  ports: z.array(port).optional(),
  health: HealthSchema.optional(),
  volumes: z
    .array(volume)
    .optional()
    .describe('{path} (storage the provider makes) or "./host-folder:/mount/point[:ro]"'),
  dependsOn: z
    .array(z.union([z.string(), DependsOnEntrySchema]))
    .optional()
    .describe(
      'services deployed first: a name (deployed first), or { service, condition: started | healthy | completed }',
    ),
  kind: ServiceKindSchema.optional().describe(
    'service (default: runs until replaced) or job (runs to completion, again only when its fingerprint changes)',
  ),
  timeout: interval
    .optional()
    .describe(
      `kind: job only: how long one run may take before it is stopped and the deploy fails (default ${DEFAULT_JOB_TIMEOUT})`,
    ),
  history: historySchema
    .optional()
    .describe(
      "how many releases of this service the state keeps for `pctl rollback` (default: the stack's `history`, else 10)",
    ),
  strategy: StrategySchema.optional().describe(
    'start-first (default: the new containers pass their gate beside the old before taking over) or stop-first (the old containers go first)',
  ),
  rollout: RolloutSchema.optional(),
  manifests: z.array(z.string()).optional().describe('raw Kubernetes manifests for this service'),
  provider: ProviderRefSchema,
  ...metadata,
};

// A service, strict but for the fields plugins declare (kept as given).
export function serviceSchema(pluginFields: readonly string[]) {
  const extra = Object.fromEntries(
    pluginFields.filter((f) => !(f in serviceFields)).map((f) => [f, z.unknown().optional()]),
  );
  return z
    .strictObject({ ...serviceFields, ...extra })
    .refine((s) => s.image !== undefined || s.build !== undefined || (s.manifests?.length ?? 0) > 0, {
      message: 'a service needs `image` or `build` (or, on Kubernetes, `manifests` alone)',
      path: ['image'],
    });
}

export const ServiceSchema = serviceSchema([]);

/** Raw manifests of the whole stack: deployed as a service named `manifests` with no image. */
export const StackManifestsSchema = z.strictObject({
  files: z
    .array(z.string().min(1))
    .min(1)
    .describe('manifest files or folders (with a kustomization), relative to the stack file'),
  provider: ProviderRefSchema,
});
export const STACK_MANIFESTS_SERVICE = 'manifests';

// The whole stack file; `pluginFields` are service fields that loaded plugins declare (or
// added), `topFields` top-level fields plugins added.
export function stackSchema(pluginFields: readonly string[] = [], topFields: readonly string[] = []) {
  const stack = {
    ...Object.fromEntries(topFields.map((f) => [f, z.unknown().optional()])),
    name: stackOrServiceName('stack name'),
    resolver: z.array(z.string()).default([]),
    plugin: z.array(z.string()).default([]),
    providers: z.record(z.string(), z.string()).default({}).describe('custom provider modules: name -> module path'),
    custom: z.record(z.string(), z.unknown()).default({}),
    manifests: StackManifestsSchema.optional().describe(
      'raw Kubernetes manifests of the stack, deployed as the service `manifests`',
    ),
    history: historySchema
      .optional()
      .describe(`how many releases of each service the state keeps for \`pctl rollback\` (default ${DEFAULT_HISTORY})`),
    state: StateConfigSchema.optional(),
    secrets: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'reference keys (DB_URL of ${env:DB_URL}) or paths (services.api.env.DB_URL) whose values are secrets, whatever their length',
      ),
    services: z.record(
      stackOrServiceName('service name'),
      pluginFields.length ? serviceSchema(pluginFields) : ServiceSchema,
    ),
    ...metadata,
    // Composition (config/compose.ts): both are gone from the stack once it is composed.
    include: z
      .array(z.string().min(1))
      .optional()
      .describe('other stack files (in this repository) whose services this stack takes, each relative to this file'),
  };
  return z.strictObject({
    ...stack,
    environments: z
      .record(stackOrServiceName('environment name'), environmentSchema(Object.keys(stack)))
      .optional()
      .describe(
        'named partial stacks merged over this one (--env NAME or PCTL_ENV): maps merge, lists are replaced, null removes a key',
      ),
  });
}

// An environment as an editor sees it: the stack's fields, any of them, each checked when merged.
function environmentSchema(fields: readonly string[]) {
  const loose = (keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, z.unknown().optional()]));
  const partialService = z.union([z.null(), z.strictObject(loose(Object.keys(serviceFields)))]);
  return z.union([
    z.null(),
    z.strictObject({
      ...loose(fields),
      name: z.string().optional().describe("this environment's stack name (default: <name>-<environment>)"),
      services: z.record(z.string(), partialService).optional(),
    }),
  ]);
}

export const StackSchema = stackSchema();

export type StackConfig = z.output<typeof StackSchema>;
export type ServiceConfig = z.output<typeof ServiceSchema>;
export type BuildConfig = z.output<typeof BuildSchema>;
export type RegistryConfig = z.output<typeof RegistrySchema>;
