// The backend a run uses: `--state` / PCTL_STATE over the stack file's `state:` block,
// else the local file `pctl.<stack>.json` in the working folder.
import path from 'node:path';
import type { StateConfig } from '../../config/stateSchema.js';
import { statePath } from '../store.js';
import { GcsBackend } from './gcs.js';
import { KubernetesBackend } from './kubernetes.js';
import { LocalBackend } from './local.js';
import { S3Backend } from './s3.js';
import type { StateBackend } from './types.js';
import { parseStateUrl } from './url.js';

export interface BackendChoice {
  cwd: string;
  stack: string;
  /** The stack file's `state:` block. */
  config?: StateConfig;
  /** `--state` or PCTL_STATE: replaces the block. */
  url?: string;
}

// The state configuration in force for a run.
export function stateConfigOf(choice: BackendChoice): StateConfig {
  if (choice.url !== undefined && choice.url !== '') return parseStateUrl(choice.url);
  return choice.config ?? { backend: 'local' };
}

// The backend of a configuration (nothing is contacted yet: SDKs load on first use).
export function backendFor(config: StateConfig, cwd: string, stack: string): StateBackend {
  if (config.backend === 's3') return new S3Backend({ ...config, key: config.key ?? `pctl.${stack}.json` }, stack);
  if (config.backend === 'gcs')
    return new GcsBackend({ ...config, object: config.object ?? `pctl.${stack}.json` }, stack);
  if (config.backend === 'kubernetes') return new KubernetesBackend(config, stack);
  return new LocalBackend(config.path ? path.resolve(cwd, config.path) : statePath(cwd, stack));
}

export function stateBackend(choice: BackendChoice): StateBackend {
  return backendFor(stateConfigOf(choice), choice.cwd, choice.stack);
}

export type { StateBackend } from './types.js';
