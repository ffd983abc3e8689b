// What the conformance kit takes and what it reports.
import type { ProviderV1, ServiceImage } from '../contract.js';
import type { ServiceConfig } from '../config.js';
import type { Exec } from '../exec.js';

export interface ConformanceOptions {
  provider: ProviderV1<any, any>;
  /** A service the provider can really deploy on its platform (image, provider options). */
  service: ServiceConfig;
  /** The same service changed (default: one more env var): deploy must update it in place. */
  changedService?: ServiceConfig;
  /** A service the platform refuses (e.g. an image that does not exist), for the error check. */
  failingService?: ServiceConfig;
  /** Options `validateOptions` must reject, each with a path (default: an unknown option and wrong types). */
  garbageOptions?: Record<string, unknown>[];
  /**
   * What really exists on the platform for a stack, found WITHOUT the provider (e.g. `docker ps
   * -a --filter label=pctl-stack=<stack>`, files in a folder): names of what exists. Without it
   * the kit can only trust the provider's own `discover`.
   */
  observe?: (stack: string) => Promise<string[]>;
  /**
   * A service for the inner-loop checks (logs, exec, portForward; skipped without it). It must
   * print the value of its env var PCTL_KIT_MARK as its first stdout line and the same with
   * `-err` appended on stderr, then keep running with `sh` and `cat` in its image, and, with
   * `port`, echo back every byte a connection to that port sends. For a busybox image:
   * `echo "$PCTL_KIT_MARK"; echo "$PCTL_KIT_MARK-err" >&2; exec nc -ll -p 7000 -e cat`.
   */
  innerLoop?: { service: ServiceConfig; port?: number };
  /** Stack name (default: `kit-<random>`, so runs never share resources). */
  stack?: string;
  /** Service name (default `svc`). */
  serviceName?: string;
  cwd?: string;
  /** The image `service` runs, e.g. `{ ref, builtByPctl: true }` for one pctl built (default: `service.image`, prebuilt). */
  image?: Partial<ServiceImage>;
  /** The exec wrapper (default: the kit's, which runs commands for real). */
  exec?: Exec;
  /** Milliseconds one verb may take before the check fails as "never settled" (default 120000). */
  stepTimeoutMs?: number;
  /** Only the checks with these ids (in their usual order); default every check. */
  only?: string[];
  /** Called as each check ends. */
  onResult?: (r: CheckResult) => void;
}

export interface CheckResult {
  id: string;
  /** The promise of the contract this check proves. */
  promise: string;
  ok: boolean;
  /** True when the check could not run (an optional verb is missing, no failingService...). */
  skipped?: boolean;
  /** How it failed (or why it was skipped). */
  message?: string;
}

export interface ConformanceReport {
  ok: boolean;
  results: CheckResult[];
  /** One line per check: `ok`, `FAIL` or `skip`, the promise, and how it failed. */
  summary(): string;
}
