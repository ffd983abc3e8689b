// How every verb of the skeleton reads a spec's options: parsed and normalized, completed
// by the cloud at deploy, the namespace they name, those of a service the stack file still
// deploys with the provider, and the render input they make.
import { serviceOfKey, type DeployParams, type ProviderContext } from '@pctl/core';
import type { RenderInput } from '../types.js';
import { parseProviderOptions } from './options.js';
import { renderInputFor, type ClusterImage, type KubeProviderOptions } from './renderInput.js';
import type { KubeProviderSpec } from './spec.js';

/** A spec's options as the verbs read them. */
export interface SpecOptions<O extends KubeProviderOptions> {
  /** The stack file's options, parsed and normalized. */
  parse(raw: Record<string, unknown> | undefined): O;
  /** Parsed, then completed with what only the cloud knows (deploy, adopt, run). */
  completed(ctx: ProviderContext, raw: Record<string, unknown> | undefined, key: string): Promise<O>;
  /** The namespace the options name, else the spec's default, else the stack name. */
  namespaceOf(ctx: ProviderContext, o: O): string;
  /** The stack file's options of a service still deployed with this provider. */
  configured(ctx: ProviderContext, key: string): O | undefined;
  /** The render input of a service with these options and this image. */
  input(p: DeployParams, o: O, image: ClusterImage, redact: boolean): RenderInput;
}

/** The option readers of one spec. */
export function specOptions<O extends KubeProviderOptions>(spec: KubeProviderSpec<O>): SpecOptions<O> {
  const parse = (raw: Record<string, unknown> | undefined): O => {
    const o = parseProviderOptions(spec.schema, raw) as O;
    return spec.normalize ? spec.normalize(o) : o;
  };
  const completed = async (ctx: ProviderContext, raw: Record<string, unknown> | undefined, key: string): Promise<O> => {
    const o = parse(raw);
    return spec.complete ? spec.complete(ctx, o, key) : o;
  };
  const namespaceOf = (ctx: ProviderContext, o: O) => o.namespace ?? spec.defaultNamespace?.(ctx, o) ?? ctx.stack;
  const configured = (ctx: ProviderContext, key: string): O | undefined => {
    const svc = ctx.config.services[serviceOfKey(ctx.stack, key) ?? ''];
    return svc?.provider.name === spec.name ? parse(svc.provider.options) : undefined;
  };
  const input = (p: DeployParams, o: O, image: ClusterImage, redact: boolean) =>
    renderInputFor({
      ctx: p.ctx,
      p,
      o,
      namespace: namespaceOf(p.ctx, o),
      image,
      redact,
      cloud: spec.cloud,
      clusterRef: spec.registry.clusterRef && ((ref) => spec.registry.clusterRef!(o, ref)),
    });
  return { parse, completed, namespaceOf, configured, input };
}
