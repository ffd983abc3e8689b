// ssh's own failures (refused, no route, key rejected) as one line naming the host, not a
// Docker engine: the wording of the docker provider's `cannot reach <host> over ssh`.
import { PctlError } from '../errors.js';
import type { SshTarget } from './types.js';

export const SSH_FAILURE =
  /^ssh: |Permission denied \(|Host key verification failed|Connection closed by|Connection timed out|kex_exchange_identification|Could not resolve hostname|No route to host|Connection reset by/m;

// `user@host:port` as messages name a target.
export function sshWhere(t: SshTarget): string {
  return `${t.user ? `${t.user}@` : ''}${t.host}${t.port ? `:${t.port}` : ''}`;
}

// The SshFailed error for ssh's stderr (or a description when ssh said nothing useful).
export function sshFailed(target: SshTarget, text: string): PctlError {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const line =
    lines.find((l) => SSH_FAILURE.test(l))?.replace(/^.*?(ssh: )/, '$1') ??
    lines.filter((l) => !/^Warning: Permanently added/.test(l)).at(-1) ??
    'ssh exited';
  return new PctlError({
    code: 'SshFailed',
    exitCode: 1,
    message: `cannot reach ${sshWhere(target)} over ssh: ${line}`,
    fault: 'environment',
    hint: 'check provider.options host, port, user and key, and that sshd runs there',
    detail: text,
  });
}

// The ssh connection of an engine ended while pctl used it (the host went away, sshd restarted).
export function sshLost(target: SshTarget, what: string, text: string): PctlError {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^Warning: Permanently added/.test(l));
  return new PctlError({
    code: 'SshFailed',
    exitCode: 1,
    message: `${what}: the ssh connection to ${sshWhere(target)} ended: ${lines.find((l) => SSH_FAILURE.test(l)) ?? lines.at(-1) ?? 'ssh exited'}`,
    fault: 'environment',
    hint: 'check that the host and its sshd are up, then run the command again',
    detail: text,
  });
}

// `sudo -n docker system dial-stdio` failed on the host: sudo refused (a password is
// required), or sudo's docker found no engine.
export function sudoFailed(what: string, describe: string, line: string): PctlError {
  const refused = /^sudo:|password|sudoers|terminal is required/i.test(line);
  return new PctlError({
    code: 'DockerUnavailable',
    message: refused
      ? `${what}: ${describe} failed: ${line}`
      : `${what}: no Docker engine answers at ${describe}: ${line}`,
    fault: 'environment',
    hint: refused
      ? 'let the ssh user run docker with sudo without a password (sudoers NOPASSWD), or add it to the docker group and drop sudo'
      : "start Docker on that host (sudo docker uses root's default engine there)",
  });
}
