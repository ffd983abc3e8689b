// A service's containers: their names, how they are found (by the stack's and the
// service's labels together, never one alone), the `docker run` that starts each, and how
// its environment reaches docker without a value on any command line.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dockerError, engineUnreachable, errorLine, parsePort, PctlError, type Exec, type ServiceTarget } from '@pctl/core';
import { inspect } from './readiness.js';
import { dockerCpus, dockerMemory, durationSeconds } from './options.js';
import { docker } from './transport.js';

// `<key>` for one replica, `<key>-1`, `<key>-2`, ... for more.
export function containerNames(key: string, n: number): string[] {
  return n === 1 ? [key] : Array.from({ length: n }, (_, i) => `${key}-${i + 1}`);
}

// The label filters of one stack's resources, or of one service of it.
export function stackFilters(stack: string, key?: string): string[] {
  return ['managed-by=pctl', `pctl-stack=${stack}`, ...(key ? [`pctl-service=${key}`] : [])];
}

// Names of the containers, volumes or networks carrying every one of these labels.
export async function listByLabel(cli: Exec, kind: 'container' | 'volume' | 'network', filters: string[]): Promise<string[]> {
  const f = filters.flatMap((l) => ['--filter', `label=${l}`]);
  const args = kind === 'container' ? ['ps', '-a', ...f, '--format', '{{.Names}}'] : [kind, 'ls', ...f, '--format', '{{.Name}}'];
  const out = await docker(cli, `listing ${kind}s`, args);
  return out ? out.split('\n').filter(Boolean).sort() : [];
}

// Removes these containers and their anonymous volumes. One whose removal another run
// started (a pctl killed mid-way leaves its `docker rm` running) is waited for until gone.
export async function removeContainers(cli: Exec, names: string[]): Promise<void> {
  if (!names.length) return;
  const r = await cli('docker', ['rm', '-f', '-v', '--', ...names], { reject: false });
  if (r.exitCode === 0) return;
  if (engineUnreachable(r.stderr) || !/removal of container \S+ is already in progress/.test(r.stderr)) {
    throw dockerError(new PctlError({ code: 'CommandFailed', message: `docker rm failed: ${errorLine(r.stderr)}`, detail: r.stderr }), 'removing containers');
  }
  for (let left = await inspect(cli, names), tries = 0; left.length; left = await inspect(cli, names), tries++) {
    if (tries > 240) throw new PctlError({ code: 'DestroyIncomplete', message: `containers still being removed after 60s: ${left.map((s) => s.Name.replace(/^\//, '')).join(', ')}`, fault: 'environment' });
    // Someone else's removal is in flight: remove what it does not cover, then look again.
    await cli('docker', ['rm', '-f', '-v', '--', ...left.map((s) => s.Name.replace(/^\//, ''))], { reject: false });
    await new Promise((res) => setTimeout(res, 250));
  }
}

// `-p [ip:]host:container/proto` for each port (core's parsePort reads every Docker form).
function portArgs(ports: (number | string)[] | undefined, first: boolean): string[] {
  if (!ports?.length || !first) return [];
  return ports.flatMap((entry) => {
    const p = parsePort(entry);
    const span = (from: number) => (p.range > 1 ? `${from}-${from + p.range - 1}` : String(from));
    const ip = p.hostIp ? `${p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp}:` : '';
    return ['-p', `${ip}${p.randomHostPort ? '' : span(p.hostPort ?? p.containerPort)}:${span(p.containerPort)}/${p.protocol}`];
  });
}

// `-v <host folder>:<path>[:ro]` for each volume with a hostPath (absolute after loading).
function bindArgs(volumes: { path: string; hostPath?: string; readOnly?: boolean }[] | undefined): string[] {
  return (volumes ?? []).flatMap((v) => (v.hostPath === undefined ? [] : ['-v', `${v.hostPath}:${v.path}${v.readOnly ? ':ro' : ''}`]));
}

// Variables the docker CLI itself reads: a service's value for one of them must not reach
// the CLI's own environment.
const CLI_ENV = /^(PATH|HOME|TMPDIR|USER|LANG|LC_.*|DOCKER_.*|SSH_.*|XDG_.*|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy|LD_.*|NODE_.*)$/;

/** Stands for the env file's path in `runArgs` until the file exists (see runDocker). */
export const ENV_FILE = '\u0000pctl-env-file';

/** How a service's environment reaches `docker run`: never as `-e NAME=value`. */
export interface EnvTransport {
  /** `--env-file <ENV_FILE>` and `-e NAME` arguments. */
  args: string[];
  /** The env file's text (one `NAME=value` a line). */
  file?: string;
  /** Multi-line values, in the docker CLI's own environment for `-e NAME` (local engine only). */
  childEnv?: Record<string, string>;
}

// Single-line values go in an env file only the user can read, removed after (docker reads
// each line verbatim after the first `=`); a value with a line break cannot sit in an env
// file, so it goes in the CLI's environment (`-e NAME`), which only the user and root can read.
export function envTransport(key: string, env: Record<string, unknown> | undefined, remote: boolean): EnvTransport {
  const lines: string[] = [];
  const childEnv: Record<string, string> = {};
  const args: string[] = [];
  for (const [name, raw] of Object.entries(env ?? {})) {
    const value = String(raw);
    if (!/[\r\n]/.test(value)) {
      lines.push(`${name}=${value}`);
      continue;
    }
    if (remote || CLI_ENV.test(name)) {
      throw new PctlError({
        code: 'EnvUnsupported',
        message: `${key}: env ${name} holds a line break, which ${remote ? 'a remote Docker host' : `the docker CLI's own variable ${name}`} cannot be given without putting it on a command line`,
        fault: 'user',
        exitCode: 2,
        hint: 'put the value in a file the image reads, or encode it (base64) in one line',
      });
    }
    childEnv[name] = value;
    args.push('-e', name);
  }
  if (lines.length) args.unshift('--env-file', ENV_FILE);
  return { args, file: lines.length ? `${lines.join('\n')}\n` : undefined, childEnv: args.includes('-e') ? childEnv : undefined };
}

// On a remote host the env file is written there, from ssh's stdin, by this fixed script
// (values arrive as its arguments and stdin, never inside the script), and removed after.
const REMOTE_ENV_FILE = 'umask 077; f=$(mktemp) || exit 125; cat > "$f"; for a; do shift; [ "$a" = "$0" ] && a=$f; set -- "$@" "$a"; done; "$@"; rc=$?; rm -f "$f"; exit $rc';

// Runs `docker <args>` with the env file in place of ENV_FILE: locally a 0600 file in a
// private folder; remotely one made by REMOTE_ENV_FILE.
export async function runDocker(cli: Exec, remote: boolean, args: string[], env: EnvTransport): Promise<void> {
  if (!env.file) {
    await cli('docker', args, { env: env.childEnv });
    return;
  }
  if (remote) {
    const marker = '/pctl-env-file';
    await cli('sh', ['-c', REMOTE_ENV_FILE, marker, 'docker', ...args.map((a) => (a === ENV_FILE ? marker : a))], { input: env.file });
    return;
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pctl-env-'));
  try {
    const file = path.join(dir, 'env');
    await writeFile(file, env.file, { mode: 0o600 });
    await cli('docker', args.map((a) => (a === ENV_FILE ? file : a)), { env: env.childEnv });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The `docker run` arguments of one container of a service (the image after `--`).
export function runArgs(p: { target: ServiceTarget; name: string; net: string; first: boolean; volumes: { name: string; path: string }[]; env: EnvTransport }): string[] {
  const { target, name } = p;
  const svc = target.service;
  return [
    'run', '-d',
    '--name', name,
    '--network', p.net,
    '--network-alias', target.name,
    '--restart', 'unless-stopped',
    ...Object.entries(target.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    '--label', `pctl-fingerprint=${target.fingerprint}`,
    ...p.env.args,
    ...portArgs(svc.ports, p.first),
    ...p.volumes.flatMap((v) => ['-v', `${v.name}:${v.path}`]),
    ...bindArgs(svc.volumes),
    ...(svc.scale?.cpu !== undefined ? ['--cpus', dockerCpus(svc.scale.cpu)] : []),
    ...(svc.scale?.memory !== undefined ? ['--memory', dockerMemory(svc.scale.memory)] : []),
    ...(svc.health
      ? ['--health-cmd', svc.health.command, '--health-interval', durationSeconds(svc.health.interval), '--health-retries', String(svc.health.retries), '--health-start-period', '0s']
      : []),
    '--',
    target.image.ref,
    ...(svc.command !== undefined ? ['sh', '-c', svc.command] : []),
  ];
}
