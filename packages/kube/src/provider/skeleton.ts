// One Kubernetes provider skeleton that kind, gcp and aws stand on. A provider adds only a
// spec (spec.ts): how it reaches its cluster (a KubeClient) and its registry (deliver a local
// build, remove it). The skeleton makes every verb from it once: validation, render and plan
// here; deploy, adopt and destroy in lifecycle.ts; status and discover in status.ts; logs,
// exec, port-forward, sync and run in innerVerbs.ts; each reading the options as specOptions.ts does.
import { defineProvider, type DeployParams, type ProviderV1 } from '@pctl/core';
import { renderNotes, renderService } from '../renderService.js';
import { kubeEntryOutdated } from '../objectNames.js';
import { optionIssues } from '../types.js';
import { volumeIssues } from '../volumes.js';
import { kubeInnerVerbs } from './innerVerbs.js';
import { kubeLifecycle } from './lifecycle.js';
import type { KubeProviderOptions } from './renderInput.js';
import type { KubeProviderSpec } from './spec.js';
import { specOptions } from './specOptions.js';
import { kubeStatus } from './status.js';

/** Builds a provider-contract object from a spec (see KubeProviderSpec). */
export function defineKubeProvider<O extends KubeProviderOptions>(spec: KubeProviderSpec<O>): ProviderV1 {
  const options = specOptions(spec);
  const { parse, input } = options;
  return defineProvider({
    apiVersion: 1,
    name: spec.name,
    validateOptions: (raw) => optionIssues(spec.schema, raw, spec.cloud),
    validateService: (svc) => volumeIssues(svc.volumes ?? []),
    needsPush: (_options, service) => (typeof spec.needsPush === 'function' ? spec.needsPush(service) : spec.needsPush),
    async render(p) {
      const o = parse(p.target.service.provider.options);
      return renderService(input(p, o, spec.registry.imageFor(p, o), true)) as unknown as Record<string, unknown>[];
    },
    async plan(p: DeployParams) {
      const o = parse(p.target.service.provider.options);
      return [...(spec.planNotes?.(p, o, spec.registry.imageFor(p, o)) ?? []), ...renderNotes(p.target.service)];
    },
    outdated: kubeEntryOutdated,
    ...kubeLifecycle(spec, options),
    ...kubeStatus(spec, options),
    ...kubeInnerVerbs(spec, options),
  });
}
