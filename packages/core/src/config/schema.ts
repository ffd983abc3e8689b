// The stack file's validation schema: a superset of the existing pctl format.
// Objects are strict (an unknown field is an error, usually a typo), except `custom`
// and `provider.options`, which belong to the user and to each provider.
import { z } from 'zod';

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabel = (what: string) =>
  z
    .string()
    .max(63, `${what} must be at most 63 characters`)
    .regex(DNS_LABEL, `${what} must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit`);

const quantity = z.union([z.string().regex(/^\d+(\.\d+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/, 'expected a quantity like 256m, 1, 512Mi'), z.number().positive()]);

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

export const BuildSchema = z.strictObject({
  context: z.string().optional().describe('build context folder, relative to the stack file'),
  dockerfile: z.string().optional().describe('Dockerfile path, relative to the context (default: Dockerfile)'),
  target: z.string().optional(),
  args: z.record(z.string(), envValue).optional(),
  entrypoint: z.array(z.string()).optional().describe('ENTRYPOINT override applied in memory'),
  builder: z.enum(['docker', 'buildx', 'custom']).optional(),
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

const port = z.union([
  z.number().int().min(1).max(65535),
  z.string().regex(/^(\d{1,5}:)?\d{1,5}(\/(tcp|udp))?$/, 'expected a port like 8080 or "8080:80"'),
]);

export const HealthSchema = z.strictObject({
  interval: duration.default(10),
  command: z.string().min(1),
  retries: z.number().int().min(1).max(100).default(3),
  onfailure: z.enum(['restart', 'stop']).default('restart'),
});

export const ProviderRefSchema = z.strictObject({
  name: z.string().min(1),
  options: z.record(z.string(), z.unknown()).default({}),
});

export const ServiceSchema = z
  .strictObject({
    image: z.string().min(1).optional().describe('./path/Dockerfile, ./folder (with a Dockerfile), or an image reference'),
    build: BuildSchema.optional(),
    registry: RegistrySchema.optional(),
    command: z.string().optional(),
    env: z.record(z.string(), envValue).optional(),
    scale: ScaleSchema.optional(),
    ports: z.array(port).optional(),
    health: HealthSchema.optional(),
    volumes: z.array(z.strictObject({ path: z.string().regex(/^\//, 'volume path must be absolute') })).optional(),
    dependsOn: z.array(z.string()).optional(),
    manifests: z.array(z.string()).optional().describe('raw Kubernetes manifests for this service'),
    provider: ProviderRefSchema,
  })
  .refine((s) => s.image !== undefined || s.build !== undefined || (s.manifests?.length ?? 0) > 0, {
    message: 'a service needs `image` or `build` (or, on Kubernetes, `manifests` alone)',
    path: ['image'],
  });

/** Raw manifests of the whole stack: deployed as a service named `manifests` with no image. */
export const StackManifestsSchema = z.strictObject({
  files: z.array(z.string().min(1)).min(1).describe('manifest files or folders (with a kustomization), relative to the stack file'),
  provider: ProviderRefSchema,
});
export const STACK_MANIFESTS_SERVICE = 'manifests';

export const StackSchema = z.strictObject({
  name: dnsLabel('stack name'),
  resolver: z.array(z.string()).default([]),
  plugin: z.array(z.string()).default([]),
  providers: z.record(z.string(), z.string()).default({}).describe('custom provider modules: name -> module path'),
  custom: z.record(z.string(), z.unknown()).default({}),
  manifests: StackManifestsSchema.optional().describe('raw Kubernetes manifests of the stack, deployed as the service `manifests`'),
  services: z.record(dnsLabel('service name'), ServiceSchema),
});

export type StackConfig = z.output<typeof StackSchema>;
export type ServiceConfig = z.output<typeof ServiceSchema>;
export type BuildConfig = z.output<typeof BuildSchema>;
export type RegistryConfig = z.output<typeof RegistrySchema>;
