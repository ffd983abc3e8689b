// How the docker provider reaches an engine: the local docker CLI (honouring DOCKER_HOST),
// or the docker CLI of a remote host over SSH, through the one exec wrapper.
import os from 'node:os';
import { dockerError, PctlError, type Exec, type ProviderContext } from '@pctl/core';
import type { DockerOptions } from './options.js';

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

// ssh's arguments up to the remote command: options with their values, then `--` and the host.
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

// Runs one docker command, its failure worded as `what` failed.
export async function docker(cli: Exec, what: string, args: string[], input?: string): Promise<string> {
  try {
    return (await cli('docker', args, { input })).stdout.trim();
  } catch (e) {
    throw dockerError(e, what);
  }
}
