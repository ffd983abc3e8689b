// The docker provider: runs each service as labelled containers on a Docker engine,
// local or over SSH, on a per-stack network where services reach each other by name.
import os from 'node:os';
import {
  defineProvider,
  dockerError,
  engineUnreachable,
  execPipe,
  MANAGED_BY,
  SERVICE_LABEL,
  type SyncBatch,
  imageExists,
  PctlError,
  lastLines,
  type DeployParams,
  type DestroyParams,
  type Exec,
  type FoundResource,
  type ProviderContext,
  type ServiceStatus,
  type StateEntry,
  type StatusParams,
} from '@pctl/core';
import { transferImage } from './transfer.js';

export interface DockerOptions {
  host?: string;
  user?: string;
  key?: string;
  port?: number;
  sudo?: boolean;
  timeout?: number;
  network?: string;
}

const OPTION_TYPES: Record<keyof DockerOptions, 'string' | 'boolean' | 'number'> = {
  host: 'string',
  user: 'string',
  key: 'string',
  port: 'number',
  sudo: 'boolean',
  timeout: 'number',
  network: 'string',
};

function options(raw: Record<string, unknown> | undefined): DockerOptions {
  return (raw ?? {}) as DockerOptions;
}

// The docker CLI for a target: local (honouring DOCKER_HOST), or on a remote host over SSH.
export function dockerCli(ctx: ProviderContext, opts: DockerOptions): Exec {
  if (!opts.host) return (file, args, o) => ctx.exec(file, args, o);
  return async (file, args, o) => {
    const sshCommand = ['ssh', [...sshArgs(opts), ...(opts.sudo ? ['sudo', '-n'] : []), file, ...args.map(shellQuote)]] as const;
    let r;
    try {
      r = await ctx.exec(...sshCommand, o);
    } catch (e) {
      const text = e instanceof PctlError ? `${e.message}\n${e.detail ?? ''}` : String(e);
      throw SSH_FAILURE.test(text) ? sshUnreachable(opts, text) : e;
    }
    // ssh exits 255 for its own failures; docker never does.
    if (r.exitCode === 255 && SSH_FAILURE.test(r.stderr)) throw sshUnreachable(opts, r.stderr);
    return r;
  };
}

// ssh's own failures (refused, no route, key rejected): they name the host, not a Docker engine.
const SSH_FAILURE = /^ssh: |Permission denied \(|Host key verification failed|Connection closed by|Connection timed out|kex_exchange_identification/m;

function sshUnreachable(opts: DockerOptions, text: string): PctlError {
  const line = text.split('\n').find((l) => SSH_FAILURE.test(l))?.replace(/^.*?(ssh: )/, '$1').trim() ?? text.trim();
  const where = `${opts.user ? `${opts.user}@` : ''}${opts.host}${opts.port ? `:${opts.port}` : ''}`;
  return new PctlError({
    code: 'SshFailed',
    exitCode: 1,
    message: `cannot reach ${where} over ssh: ${line}`,
    fault: 'environment',
    hint: 'check provider.options host, port, user and key, and that sshd runs there',
    detail: text,
  });
}

export function sshArgs(opts: DockerOptions): string[] {
  const key = opts.key?.replace(/^~(?=\/|$)/, os.homedir());
  return [
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=accept-new',
    ...(key ? ['-i', key] : []),
    ...(opts.user ? ['-l', opts.user] : []),
    ...(opts.port ? ['-p', String(opts.port)] : []),
    '--',
    opts.host!,
  ];
}

// ssh joins its arguments for the remote shell: each one is single-quoted so it stays one word.
export function shellQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

const networkName = (ctx: ProviderContext, o: DockerOptions) => o.network ?? `pctl-${ctx.stack}`;

// Docker CPU limit from a Kubernetes-style quantity: `256m` -> 0.256, `1` -> 1.
export function dockerCpus(q: string | number): string {
  const s = String(q);
  return s.endsWith('m') ? String(Number(s.slice(0, -1)) / 1000) : s;
}

// Docker memory from a quantity: `512Mi` -> 512m, `1Gi` -> 1g, `256M` -> 256m.
export function dockerMemory(q: string | number): string {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/.exec(String(q));
  if (!m) return String(q);
  const unit = (m[2] ?? '').toLowerCase().replace('i', '');
  return `${m[1]}${unit === '' ? 'b' : unit === 't' ? 'g' : unit}`.replace(/^(\d+(?:\.\d+)?)g$/, '$1g');
}

function replicaCount(scale: { replica: number | [number, number] } | undefined): number {
  const r = scale?.replica ?? 1;
  return Array.isArray(r) ? r[1] : r;
}

function portArgs(ports: (number | string)[] | undefined, first: boolean): string[] {
  if (!ports?.length || !first) return [];
  return ports.flatMap((p) => {
    const s = String(p);
    return ['-p', s.includes(':') ? s : `${s.split('/')[0]}:${s}`];
  });
}

function containerNames(key: string, n: number): string[] {
  return n === 1 ? [key] : Array.from({ length: n }, (_, i) => `${key}-${i + 1}`);
}

async function docker(cli: Exec, what: string, args: string[], input?: string): Promise<string> {
  try {
    return (await cli('docker', args, { input })).stdout.trim();
  } catch (e) {
    throw dockerError(e, what);
  }
}

async function listByLabel(cli: Exec, kind: 'container' | 'volume' | 'network', filters: string[]): Promise<string[]> {
  const f = filters.flatMap((l) => ['--filter', `label=${l}`]);
  const args = kind === 'container' ? ['ps', '-a', ...f, '--format', '{{.Names}}'] : [kind, 'ls', ...f, '--format', '{{.Name}}'];
  const out = await docker(cli, `listing ${kind}s`, args);
  return out ? out.split('\n').filter(Boolean).sort() : [];
}

// One creation at a time per network and target: the engine does not refuse a second
// network of the same name created at the same moment, and then every `docker run
// --network <name>` fails as ambiguous.
const networks = new Map<string, Promise<void>>();

function ensureNetwork(cli: Exec, ctx: ProviderContext, name: string, target: string): Promise<void> {
  const key = `${target}\u0000${process.env.DOCKER_HOST ?? ''}\u0000${name}`;
  let pending = networks.get(key);
  if (!pending) {
    pending = createNetwork(cli, ctx, name);
    networks.set(key, pending);
    // Only while in flight: a later call checks again (destroy may have removed it).
    void pending.finally(() => networks.delete(key)).catch(() => undefined);
  }
  return pending;
}

async function createNetwork(cli: Exec, ctx: ProviderContext, name: string): Promise<void> {
  const lines = await docker(cli, 'listing networks', ['network', 'ls', '--no-trunc', '--filter', `name=^${name}$`, '--format', '{{.ID}} {{.Name}}']);
  const ids = lines.split('\n').filter(Boolean).map((l) => l.split(' ')).filter(([, n]) => n === name).map(([id]) => id!);
  if (ids.length > 1) {
    // Left by an older run or another tool racing us: keep one, remove the others that
    // nothing is attached to, so the name means one network again.
    for (const id of ids.slice(1)) await cli('docker', ['network', 'rm', id]).catch(() => undefined);
    return;
  }
  if (ids.length === 1) return;
  try {
    await cli('docker', ['network', 'create', '--label', 'managed-by=pctl', '--label', `pctl-stack=${ctx.stack}`, name]);
  } catch (e) {
    if (!/already exists/.test(`${(e as PctlError).message} ${(e as PctlError).detail ?? ''}`)) throw dockerError(e, `creating network ${name}`);
  }
}

async function removeContainers(cli: Exec, names: string[]): Promise<void> {
  if (!names.length) return;
  await docker(cli, 'removing containers', ['rm', '-f', '-v', ...names]);
}

interface Inspect {
  Name: string;
  RestartCount?: number;
  State: { Status: string; Running: boolean; Restarting?: boolean; ExitCode: number; Health?: { Status: string } };
}

async function inspect(cli: Exec, names: string[]): Promise<Inspect[]> {
  if (!names.length) return [];
  const r = await cli('docker', ['inspect', '--type', 'container', ...names], { reject: false });
  // `docker inspect` prints `[]` even when it reached no engine: look at stderr first.
  if (r.exitCode !== 0 && (engineUnreachable(r.stderr) || !r.stdout.trim().startsWith('['))) {
    if (!engineUnreachable(r.stderr) && /No such (object|container)/i.test(r.stderr)) return [];
    throw dockerError(new PctlError({ code: 'CommandFailed', message: r.stderr, detail: r.stderr }), 'inspecting containers');
  }
  return JSON.parse(r.stdout || '[]') as Inspect[];
}

// Waits until every container runs (and is healthy when it has a health check).
async function waitRunning(cli: Exec, key: string, names: string[], healthCheck: boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let readySince: number | undefined;
  for (;;) {
    const states = await inspect(cli, names);
    // A container that exits, restarts (the restart policy hides an exit) or turns unhealthy failed.
    const bad =
      states.find((s) => (!s.State.Running && ['exited', 'dead'].includes(s.State.Status)) || s.State.Restarting || (s.RestartCount ?? 0) > 0) ??
      states.find((s) => s.State.Health?.Status === 'unhealthy');
    if (bad) {
      const name = bad.Name.replace(/^\//, '');
      const logs = await cli('docker', ['logs', '--tail', '20', name], { reject: false });
      const text = `${logs.stdout}\n${logs.stderr}`.trim();
      const why = bad.State.Health?.Status === 'unhealthy' ? 'is unhealthy' : `exited with code ${bad.State.ExitCode}${(bad.RestartCount ?? 0) > 0 ? ` (restarted ${bad.RestartCount}×)` : ''}`;
      throw new PctlError({
        code: 'ContainerFailed',
        exitCode: 1,
        message: `${key}: container ${name} ${why}${text ? `: ${lastLines(text, 1)}` : ''}`,
        fault: 'user',
        hint: `see docker logs ${name}`,
        detail: text ? `last log lines of ${name}:\n${lastLines(text, 20)}` : undefined,
      });
    }
    const ready = states.length === names.length && states.every((s) => s.State.Running && (!healthCheck || s.State.Health?.Status === 'healthy'));
    // Ready twice, a second apart: a process that dies right after starting is caught.
    if (ready && readySince && Date.now() - readySince >= 1000) return;
    readySince = ready ? (readySince ?? Date.now()) : undefined;
    if (Date.now() > deadline) {
      throw new PctlError({
        code: 'ContainerTimeout',
        message: `${key}: containers not ${healthCheck ? 'healthy' : 'running'} after ${Math.round(timeoutMs / 1000)}s (${states.map((s) => `${s.Name.replace(/^\//, '')}: ${s.State.Health?.Status ?? s.State.Status}`).join(', ')})`,
        fault: 'environment',
        hint: 'raise provider.options.timeout (seconds) or check the health command',
      });
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function durationSeconds(v: number | string): string {
  if (typeof v === 'number') return `${v}s`;
  return /^\d+$/.test(v) ? `${v}s` : v;
}

async function deploy({ ctx, target }: DeployParams): Promise<StateEntry> {
  const o = options(target.service.provider.options);
  const cli = dockerCli(ctx, o);
  const svc = target.service;
  const net = networkName(ctx, o);
  if (o.host && target.image.builtByPctl) await transferImage({ ctx, ref: target.image.ref, opts: o, remote: cli, registry: ctx.flags.skipPush ? undefined : svc.registry });
  if (!o.host && !(await imageExists(cli, target.image.ref))) {
    throw new PctlError({ code: 'ImageMissing', exitCode: 1, message: `${target.key}: image ${target.image.ref} is not on the Docker engine`, fault: 'user', hint: 'build it, or pull it first (pctl never pulls implicitly on a private engine)' });
  }
  await ensureNetwork(cli, ctx, net, o.host ?? '');
  const replicas = replicaCount(svc.scale);
  const names = containerNames(target.key, replicas);
  const volumes = (svc.volumes ?? []).map((v, i) => ({ name: `${target.key}-storage${i === 0 ? '' : `-${i}`}`, path: v.path }));
  for (const v of volumes) {
    await docker(cli, `creating volume ${v.name}`, ['volume', 'create', ...Object.entries(target.labels).flatMap(([k, val]) => ['--label', `${k}=${val}`]), v.name]);
  }
  // Replace: every container of this service goes, found by label (so none left by a crash leaks).
  await removeContainers(cli, await listByLabel(cli, 'container', [`pctl-service=${target.key}`, 'managed-by=pctl']));
  for (const [i, name] of names.entries()) {
    const args = [
      'run', '-d',
      '--name', name,
      '--network', net,
      '--network-alias', target.name,
      '--restart', 'unless-stopped',
      ...Object.entries(target.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
      '--label', `pctl-fingerprint=${target.fingerprint}`,
      ...Object.entries(svc.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      ...portArgs(svc.ports, i === 0),
      ...volumes.flatMap((v) => ['-v', `${v.name}:${v.path}`]),
      ...(svc.scale?.cpu !== undefined ? ['--cpus', dockerCpus(svc.scale.cpu)] : []),
      ...(svc.scale?.memory !== undefined ? ['--memory', dockerMemory(svc.scale.memory)] : []),
      ...(svc.health
        ? ['--health-cmd', svc.health.command, '--health-interval', durationSeconds(svc.health.interval), '--health-retries', String(svc.health.retries), '--health-start-period', '0s']
        : []),
      target.image.ref,
      ...(svc.command !== undefined ? ['sh', '-c', svc.command] : []),
    ];
    try {
      await cli('docker', args);
    } catch (e) {
      const err = dockerError(e, `starting ${name}`);
      const text = `${err.message} ${err.detail ?? ''}`;
      if (/port is already allocated|address already in use/i.test(text)) {
        throw new PctlError({ code: 'PortInUse', exitCode: 1, message: `${target.key}: a published port is already in use (${(svc.ports ?? []).join(', ')})`, fault: 'user', hint: 'free the port or change services.' + target.name + '.ports', detail: err.detail });
      }
      throw err;
    }
  }
  await waitRunning(cli, target.key, names, Boolean(svc.health), (o.timeout ?? 60) * 1000);
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

// Where a deployed entry lives (its host, user, key, port), as recorded when it was deployed.
function entryOptions(entry: StateEntry): DockerOptions {
  return { host: entry.host && entry.host !== 'local' ? String(entry.host) : undefined, user: entry.user as string | undefined, key: entry.sshKey as string | undefined, port: entry.sshPort as number | undefined, sudo: entry.sudo as boolean | undefined };
}

async function destroy({ ctx, key, entry }: DestroyParams): Promise<void> {
  const o = entryOptions(entry);
  const cli = dockerCli(ctx, o);
  await removeContainers(cli, await listByLabel(cli, 'container', [`pctl-service=${key}`, 'managed-by=pctl']));
  const left = await listByLabel(cli, 'container', [`pctl-service=${key}`, 'managed-by=pctl']);
  if (left.length) throw new PctlError({ code: 'DestroyIncomplete', message: `${key}: containers still present after removal: ${left.join(', ')}`, fault: 'environment' });
  for (const v of await listByLabel(cli, 'volume', [`pctl-service=${key}`, 'managed-by=pctl'])) {
    await docker(cli, `removing volume ${v}`, ['volume', 'rm', '-f', v]);
  }
  if (entry.builtByPctl && entry.image) {
    // Another service of the stack may run the same image (a shared build).
    const users = await docker(cli, 'listing containers', ['ps', '-a', '--filter', `ancestor=${entry.image}`, '--format', '{{.Names}}']);
    if (!users) {
      const r = await cli('docker', ['rmi', entry.image], { reject: false });
      if (r.exitCode !== 0 && (engineUnreachable(r.stderr) || !/No such image|image is being used/i.test(r.stderr))) throw dockerError(new PctlError({ code: 'CommandFailed', message: r.stderr, detail: r.stderr }), `removing image ${entry.image}`);
    }
  }
  const net = typeof entry.network === 'string' ? entry.network : `pctl-${ctx.stack}`;
  const stackContainers = await listByLabel(cli, 'container', [`pctl-stack=${ctx.stack}`, 'managed-by=pctl']);
  if (!stackContainers.length) {
    const r = await cli('docker', ['network', 'rm', net], { reject: false });
    if (r.exitCode !== 0 && (engineUnreachable(r.stderr) || !/not found|No such network|has active endpoints/i.test(r.stderr))) throw dockerError(new PctlError({ code: 'CommandFailed', message: r.stderr, detail: r.stderr }), `removing network ${net}`);
  }
}

async function status({ ctx, key, entry, target }: StatusParams): Promise<ServiceStatus> {
  // What runs is where it was deployed (the entry); a service not deployed yet, where the config says.
  const o = entry && !entry.destroyed ? entryOptions(entry) : options(target?.service.provider.options ?? ctx.config.services[key.slice(ctx.stack.length + 1)]?.provider.options);
  const cli = dockerCli(ctx, o);
  const names = await listByLabel(cli, 'container', [`pctl-service=${key}`, 'managed-by=pctl']);
  const states = await inspect(cli, names);
  const resources = states.map((s) => ({ name: s.Name.replace(/^\//, ''), state: s.State.Health?.Status ?? s.State.Status }));
  if (!resources.length) return { state: 'missing', resources };
  const running = states.filter((s) => s.State.Running).length;
  const want = typeof entry?.replica === 'number' ? entry.replica : resources.length;
  return { state: running >= want ? 'running' : running > 0 ? 'degraded' : 'stopped', resources, detail: `${running}/${want} running` };
}

async function discover({ ctx }: { ctx: ProviderContext }): Promise<FoundResource[]> {
  const cli = dockerCli(ctx, {});
  const found: FoundResource[] = [];
  const filters = ['managed-by=pctl', `pctl-stack=${ctx.stack}`];
  const out = await docker(cli, 'listing containers', ['ps', '-a', ...filters.flatMap((l) => ['--filter', `label=${l}`]), '--format', '{{.Names}}\t{{.Label "pctl-service"}}']);
  for (const line of out.split('\n').filter(Boolean)) {
    const [name, key] = line.split('\t');
    found.push({ kind: 'container', name: name!, key: key! });
  }
  const vols = await docker(cli, 'listing volumes', ['volume', 'ls', ...filters.flatMap((l) => ['--filter', `label=${l}`]), '--format', '{{.Name}}\t{{.Label "pctl-service"}}']);
  for (const line of vols.split('\n').filter(Boolean)) {
    const [name, key] = line.split('\t');
    found.push({ kind: 'volume', name: name!, key: key! });
  }
  return found;
}

// Live sync: each batch goes in as one tar stream (`tar -c | docker exec -i <c> tar -x`),
// removals with one `rm -f`, into every running container of the service.
async function sync({ ctx, key, batches }: { ctx: ProviderContext; key: string; batches: SyncBatch[] }): Promise<{ containers: string[] }> {
  const svc = ctx.config.services[key.slice(ctx.stack.length + 1)];
  const o = options(svc?.provider.options);
  if (o.host) throw new PctlError({ code: 'SyncUnsupported', message: `${key}: sync to a remote Docker host is not supported yet`, fault: 'user', hint: 'deploy the change with pctl deploy' });
  const cli = dockerCli(ctx, o);
  const containers = (await docker(cli, 'listing containers', ['ps', '--filter', `label=${MANAGED_BY}=pctl`, '--filter', `label=${SERVICE_LABEL}=${key}`, '--filter', 'status=running', '--format', '{{.Names}}'])).split('\n').filter(Boolean).sort();
  if (!containers.length) throw new PctlError({ code: 'NotRunning', message: `${key}: no running container to sync into`, fault: 'environment', exitCode: 1, hint: 'run pctl deploy first' });
  for (const c of containers) {
    for (const b of batches) {
      if (b.deleted.length) await docker(cli, `removing files in ${c}`, ['exec', c, 'rm', '-f', '--', ...b.deleted]);
      if (!b.files.length) continue;
      await docker(cli, `preparing ${b.dest} in ${c}`, ['exec', c, 'mkdir', '-p', b.dest]);
      try {
        await execPipe({ file: 'tar', args: ['-c', '-C', b.sourceDir, '--', ...b.files] }, { file: 'docker', args: ['exec', '-i', c, 'tar', '-x', '-C', b.dest] }, { signal: ctx.signal, onCommand: ctx.verbose ? (cmd) => ctx.reporter.debug(`$ ${cmd}`) : undefined });
      } catch (e) {
        throw dockerError(e, `${key}: copying into ${c}:${b.dest}`);
      }
    }
  }
  return { containers };
}

export const dockerProvider = defineProvider({
  apiVersion: 1,
  name: 'docker',
  validateOptions(raw: Record<string, unknown>) {
    const problems: { path: (string | number)[]; message: string }[] = [];
    for (const [k, v] of Object.entries(raw)) {
      const want = OPTION_TYPES[k as keyof DockerOptions];
      if (!want) problems.push({ path: [k], message: `unknown option (docker takes: ${Object.keys(OPTION_TYPES).join(', ')})` });
      else if (typeof v !== want) problems.push({ path: [k], message: `must be a ${want}` });
    }
    if (typeof raw.host === 'string' && !/^[\w.-]+$|^\[[0-9a-f:]+\]$/i.test(raw.host)) problems.push({ path: ['host'], message: 'must be a host name or address' });
    if (typeof raw.user === 'string' && !/^[\w.-]+$/.test(raw.user)) problems.push({ path: ['user'], message: 'must be a user name' });
    return problems;
  },
  needsPush: (raw) => Boolean(options(raw).host),
  deploy,
  destroy,
  status,
  discover,
  sync,
});

export default dockerProvider;
