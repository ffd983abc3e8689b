// A state entry: what a provider returns from deploy and gets back on the next run.
// Compatible with the original pctl's `pctl.<stack>.json`; providers add fields of their own.
export interface StateEntry {
  provider: string;
  image?: string;
  labels?: Record<string, string>;
  fingerprint?: string;
  replica?: number | [number, number];
  destroyed?: boolean;
  /** Set while a deploy runs: a crash leaves it set, and the next deploy sees it. */
  pending?: boolean;
  updatedAt?: string;
  [field: string]: unknown;
}
