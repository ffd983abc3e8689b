// The built-in providers, each imported on first use: `pctl --help` loads no cloud SDK.
import type { BuiltinProviders } from '@pctl/core';

export const builtinProviders: BuiltinProviders = {
  docker: () => import('@pctl/provider-docker'),
  kind: () => import('@pctl/provider-kind'),
  gcp: () => import('@pctl/provider-gcp'),
  aws: () => import('@pctl/provider-aws'),
};
