// `pctl run` on Docker: a one-off container from the service's image, env and volumes on the
// stack's network (reaching the services by name, taking no alias and publishing no port, so
// it never receives the service's traffic), attached before it starts (no byte of its output
// is missed), removed once it exited; its exit code is the answer. It carries the stack's
// labels and `pctl-run=<key>` (not `pctl-service`: no replica count, rollout or status takes
// it for one of the service's containers); destroy removes one a killed pctl left.
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { MANAGED_BY, STACK_LABEL, resourceName, type RunOutcome, type RunParams } from '@pctl/core';
import { pathPart, type Api } from './api.js';
import { removeContainers } from './containers.js';
import { createSpec } from './createSpec.js';
import { ensureImage } from './deploy.js';
import { pump } from './exec.js';
import { connect } from './api.js';
import { createContainer } from './launch.js';
import { ensureNetwork, networkName } from './networks.js';
import { options } from './options.js';
import { ensureVolumes, serviceVolumes } from './volumes.js';

/** The label naming the service a one-off container was run for. */
export const RUN_LABEL = 'pctl-run';

export async function run(p: RunParams): Promise<RunOutcome> {
  const { ctx, target } = p;
  const o = options(target.service.provider.options);
  const api = await connect(ctx, o);
  await ensureImage(api, { ctx, target, o });
  const net = networkName(ctx, o);
  await ensureNetwork(api, ctx, net);
  const volumes = serviceVolumes(target.key, target.service.volumes);
  await ensureVolumes(api, { stack: ctx.stack, key: target.key, labels: target.labels, volumes });
  const name = `${resourceName(ctx.stack, target.name)}-run-${randomBytes(3).toString('hex')}`;
  const tty = Boolean(p.tty);
  const base = createSpec({ target, net, first: false, volumes, alias: false });
  const spec = {
    ...base,
    // The command as given, an argument array (no shell); none: the service's own.
    ...(p.command?.length ? { Cmd: p.command } : {}),
    Labels: { [MANAGED_BY]: 'pctl', [STACK_LABEL]: ctx.stack, [RUN_LABEL]: target.key },
    Healthcheck: undefined,
    Tty: tty,
    OpenStdin: Boolean(p.stdin),
    StdinOnce: Boolean(p.stdin),
    AttachStdin: Boolean(p.stdin),
    AttachStdout: true,
    AttachStderr: true,
    ...(p.tty ? { ConsoleSize: [p.tty.rows, p.tty.columns] as [number, number] } : {}),
    HostConfig: { ...base.HostConfig, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } },
  };
  const container = await createContainer(api, name, spec);
  try {
    const stream = (await api.call(`POST /containers/${pathPart(name)}/attach`, `attaching to ${name}`, () =>
      container.attach({ stream: true, stdin: Boolean(p.stdin), stdout: true, stderr: true, hijack: true }),
    )) as Duplex;
    const output = pump(stream, p, tty);
    await api.call(`POST /containers/${pathPart(name)}/start`, `starting ${name}`, () => container.start());
    const unresize = p.tty?.onResize((size) => {
      api.log(`POST /containers/${pathPart(name)}/resize?h=${size.rows}&w=${size.columns}`);
      container.resize({ h: size.rows, w: size.columns }).catch(() => undefined);
    });
    try {
      await output;
    } finally {
      unresize?.();
    }
    if (p.signal.aborted) return { name, exitCode: 130 };
    return { name, exitCode: await exitCode(api, container, name) };
  } finally {
    await removeContainers(api, [name]);
  }
}

// The exit code once the container stopped (the output may end a moment before).
async function exitCode(api: Api, container: { wait(o: object): Promise<unknown> }, name: string): Promise<number> {
  api.log(`POST /containers/${pathPart(name)}/wait?condition=not-running`);
  try {
    const r = (await container.wait({ condition: 'not-running' })) as { StatusCode: number };
    return r.StatusCode;
  } catch (e) {
    throw api.fail(e, `waiting for ${name}`);
  }
}
