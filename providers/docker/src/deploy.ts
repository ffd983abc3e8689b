// `deploy` and `destroy` of the docker provider: replace a service's containers (found by
// the stack's and the service's labels), wait until they run; remove them and what they used.
import { dockerError, engineUnreachable, imageExists, PctlError, resourceName, type DeployParams, type DestroyParams, type StateEntry } from '@pctl/core';
import { containerNames, envTransport, listByLabel, removeContainers, runArgs, runDocker, stackFilters } from './containers.js';
import { ensureNetwork, networkName, removeNetwork } from './networks.js';
import { entryOptions, options, replicaCount } from './options.js';
import { waitRunning } from './readiness.js';
import { docker, dockerCli } from './transport.js';
import { transferImage } from './transfer.js';
import { removeAdoptedLeftovers } from './adopt.js';

// Makes the service's containers run as described; returns the state entry.
export async function deploy({ ctx, target }: DeployParams): Promise<StateEntry> {
  const o = options(target.service.provider.options);
  const cli = dockerCli(ctx, o);
  const svc = target.service;
  const net = networkName(ctx, o);
  const env = envTransport(target.key, svc.env, Boolean(o.host));
  if (o.host && target.image.builtByPctl) await transferImage({ ctx, ref: target.image.ref, opts: o, remote: cli, registry: ctx.flags.skipPush ? undefined : svc.registry });
  if (!o.host && !(await imageExists(cli, target.image.ref))) {
    throw new PctlError({ code: 'ImageMissing', exitCode: 1, message: `${target.key}: image ${target.image.ref} is not on the Docker engine`, fault: 'user', hint: 'build it, or pull it first (pctl never pulls implicitly on a private engine)' });
  }
  await ensureNetwork(cli, ctx, net, o.host ?? '');
  const replicas = replicaCount(svc.scale);
  const names = containerNames(resourceName(ctx.stack, target.name), replicas);
  // `{path}` volumes are named volumes; a hostPath is bind-mounted (runArgs), on a local engine only.
  if (o.host && svc.volumes?.some((v) => v.hostPath !== undefined)) {
    throw new PctlError({ code: 'InvalidConfig', exitCode: 2, fault: 'user', message: `services.${target.name}.volumes: a host folder cannot be mounted on the remote Docker host ${o.host} (it names a folder on this machine)`, hint: 'use { path: /mount/point } for storage on that host' });
  }
  const volumes = (svc.volumes ?? []).flatMap((v, i) => (v.hostPath !== undefined ? [] : [{ name: `${target.key}-storage${i === 0 ? '' : `-${i}`}`, path: v.path }]));
  for (const v of volumes) {
    await docker(cli, `creating volume ${v.name}`, ['volume', 'create', ...Object.entries(target.labels).flatMap(([k, val]) => ['--label', `${k}=${val}`]), '--', v.name]);
  }
  // Replace: every container of this service goes, found by label (so none left by a crash leaks).
  await removeContainers(cli, await listByLabel(cli, 'container', stackFilters(ctx.stack, target.key)));
  const startedAt = Date.now();
  for (const [i, name] of names.entries()) {
    const args = runArgs({ target, name, net, first: i === 0, volumes, env });
    try {
      await runDocker(cli, Boolean(o.host), args, env);
    } catch (e) {
      const err = dockerError(e, `starting ${name}`);
      const text = `${err.message} ${err.detail ?? ''}`;
      if (/port is already allocated|address already in use/i.test(text)) {
        throw new PctlError({ code: 'PortInUse', exitCode: 1, message: `${target.key}: a published port is already in use (${(svc.ports ?? []).join(', ')})`, fault: 'user', hint: 'free the port or change services.' + target.name + '.ports', detail: err.detail });
      }
      throw err;
    }
  }
  await waitRunning(cli, target.key, names, Boolean(svc.health), (o.timeout ?? 60) * 1000, startedAt);
  return {
    provider: 'docker',
    host: o.host ?? 'local',
    ...(o.host ? { user: o.user, sshKey: o.key, sshPort: o.port, sudo: o.sudo } : {}),
    image: target.image.ref,
    labels: target.labels,
    fingerprint: target.fingerprint,
    replica: replicas,
    hasPorts: Boolean(svc.ports?.length),
    network: net,
    containers: names,
    volumes: volumes.map((v) => v.name),
  };
}

// Removes the service's containers, volumes, its image if pctl built it and nothing else
// runs it, and the network once the stack has no container left.
export async function destroy({ ctx, key, entry }: DestroyParams): Promise<void> {
  const o = entryOptions(entry);
  const cli = dockerCli(ctx, o);
  const mine = stackFilters(ctx.stack, key);
  await removeContainers(cli, await listByLabel(cli, 'container', mine));
  const left = await listByLabel(cli, 'container', mine);
  if (left.length) throw new PctlError({ code: 'DestroyIncomplete', message: `${key}: containers still present after removal: ${left.join(', ')}`, fault: 'environment' });
  for (const v of await listByLabel(cli, 'volume', mine)) {
    await docker(cli, `removing volume ${v}`, ['volume', 'rm', '-f', '--', v]);
  }
  await removeAdoptedLeftovers(cli, entry);
  if (entry.builtByPctl && entry.image) {
    // Another service of the stack may run the same image (a shared build).
    const users = await docker(cli, 'listing containers', ['ps', '-a', '--filter', `ancestor=${entry.image}`, '--format', '{{.Names}}']);
    if (!users) {
      const r = await cli('docker', ['rmi', '--', entry.image], { reject: false });
      if (r.exitCode !== 0 && (engineUnreachable(r.stderr) || !/No such image|image is being used/i.test(r.stderr))) throw dockerError(new PctlError({ code: 'CommandFailed', message: r.stderr, detail: r.stderr }), `removing image ${entry.image}`);
    }
  }
  const net = typeof entry.network === 'string' ? entry.network : `pctl-${ctx.stack}`;
  const stackContainers = await listByLabel(cli, 'container', stackFilters(ctx.stack));
  if (!stackContainers.length) await removeNetwork(cli, net);
}
