// The skeleton's inner-loop verbs: logs, exec, port-forward and sync reach the pods in the
// cluster and namespace the service's state entry records; run starts a one-off pod from the
// template a deploy renders now. The work on the pods is in inner/.
import {
  PctlError,
  requireServiceOfKey,
  type ExecParams,
  type LogsParams,
  type PortForwardParams,
  type RunOutcome,
  type RunParams,
  type ServiceRef,
} from '@pctl/core';
import { renderService } from '../renderService.js';
import { kubeExec } from './inner/exec.js';
import { kubeLogs } from './inner/logs.js';
import { servicePods, type ServicePods } from './inner/pods.js';
import { kubePortForward } from './inner/portForward.js';
import { kubeRun } from './inner/run.js';
import { runPod, runPodName } from './inner/runPod.js';
import { kubeSyncVerb } from './inner/syncVerb.js';
import type { ClusterImage, KubeProviderOptions } from './renderInput.js';
import type { KubeEntry, KubeProviderSpec } from './spec.js';
import type { SpecOptions } from './specOptions.js';

/** The logs, exec, portForward, sync and run verbs of a provider on the skeleton. */
export function kubeInnerVerbs<O extends KubeProviderOptions>(
  spec: KubeProviderSpec<O>,
  { completed, namespaceOf, configured, input }: SpecOptions<O>,
) {
  // Where the inner-loop verbs find the service's pods: the cluster and namespace its state entry records.
  async function podsOf(ref: ServiceRef): Promise<ServicePods> {
    const o = configured(ref.ctx, ref.key);
    const entry = (ref.entry ?? {}) as KubeEntry;
    const ns = entry.namespace ?? (o ? namespaceOf(ref.ctx, o) : ref.ctx.stack);
    const service = requireServiceOfKey(ref.ctx.stack, ref.key);
    const client = await spec.connectRecorded(ref.ctx, ref.key, entry, o);
    if (!client)
      throw new PctlError({
        code: 'NotRunning',
        message:
          `service ${service} is not running: the cluster ${entry.cluster ?? ''} it was deployed to is gone`.replace(
            '  ',
            ' ',
          ),
        fault: 'environment',
        exitCode: 1,
        hint: 'pctl status shows what runs; pctl deploy starts it',
      });
    return servicePods(client, ref.ctx.stack, service, ns);
  }

  // pctl sync: the pods of the cluster and namespace the state entry records.
  const sync = kubeSyncVerb((p) => {
    const o = configured(p.ctx, p.key);
    const entry = (p.entry ?? {}) as KubeEntry;
    return {
      namespace: entry.namespace ?? (o ? namespaceOf(p.ctx, o) : p.ctx.stack),
      service: requireServiceOfKey(p.ctx.stack, p.key),
      connect: () => spec.connectRecorded(p.ctx, p.key, entry, o),
    };
  });

  // pctl run: a one-off pod from the template a deploy renders now, in the cluster and namespace the options name.
  async function run(p: RunParams): Promise<RunOutcome> {
    const { ctx, target } = p;
    const o = await completed(ctx, target.service.provider.options, target.key);
    // No prepare: a one-off creates no cluster (kind); a missing one is an error from connect.
    let image = spec.registry.imageFor(p, o);
    if (image.local && spec.registry.locate)
      image = await spec.registry.locate(ctx, o, image as Required<ClusterImage>, target.key);
    if (image.local && !ctx.flags.skipPush)
      await spec.registry.deliver(ctx, o, image as Required<ClusterImage>, target.key);
    const client = await spec.connect(ctx, o);
    const service = requireServiceOfKey(ctx.stack, target.key);
    const pod = runPod(renderService(input(p, o, image, false)), {
      stack: ctx.stack,
      service,
      name: runPodName(ctx.stack, service),
      command: p.command,
      stdin: Boolean(p.stdin),
      tty: Boolean(p.tty),
    });
    return kubeRun({ client, stack: ctx.stack, service, pod }, p);
  }

  return {
    // pods/log merges stdout and stderr: every line comes as stdout.
    logStreams: 'merged' as const,
    logs: async (p: LogsParams) => kubeLogs(await podsOf(p), p),
    exec: async (p: ExecParams) => kubeExec(await podsOf(p), p),
    portForward: async (p: PortForwardParams) => kubePortForward(await podsOf(p), p),
    sync,
    run,
  };
}
