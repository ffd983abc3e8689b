// The parts of a parsed stack file a provider reads, as plain types (pctl validates the
// file with its own schema before a provider sees it; these are what that schema yields).

/** `provider: { name, options }` of one service. */
export interface ProviderRef {
  name: string;
  options: Record<string, unknown>;
}

/** One service of the stack file, after references are resolved and defaults applied. */
export interface ServiceConfig {
  image?: string;
  build?: Record<string, unknown>;
  registry?: string | { url: string; username?: string; password?: string };
  command?: string;
  env?: Record<string, string>;
  scale?: { replica: number | [number, number]; cpu?: string | number; memory?: string | number };
  ports?: (number | string)[];
  health?: { interval: number | string; command: string; retries: number; onfailure: 'restart' | 'stop' };
  volumes?: unknown[];
  /** A name, or `{ service, condition }` (pctl orders the deploy; a provider rarely needs them). */
  dependsOn?: (string | { service: string; condition?: 'started' | 'healthy' | 'completed' })[];
  /** `job`: runs to completion (once per fingerprint) instead of running until replaced. */
  kind?: 'service' | 'job';
  /** A job's longest run: seconds, or a duration such as `10m` (default 10m). */
  timeout?: number | string;
  manifests?: string[];
  provider: ProviderRef;
}

/** The whole stack file. */
export interface StackConfig {
  name: string;
  custom: Record<string, unknown>;
  services: Record<string, ServiceConfig>;
}
