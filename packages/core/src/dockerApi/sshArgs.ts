// ssh's arguments for one target: the connection options (user's ~/.ssh/config, agent and
// known_hosts still apply), the control master that holds the one connection, and the
// clients that multiplex over it. The host always comes after `--`.
import os from 'node:os';
import type { SshTarget } from './types.js';

// Options shared by the master and its clients.
export function connectOptions(t: SshTarget): string[] {
  const key = t.key?.replace(/^~(?=\/|$)/, os.homedir());
  return [
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=accept-new',
    ...(key ? ['-i', key] : []),
    ...(t.user ? ['-l', t.user] : []),
    ...(t.port ? ['-p', String(t.port)] : []),
  ];
}

// The long-running master: no command, no stdin, one connection others multiplex over.
export function masterArgs(t: SshTarget, control: string): string[] {
  return [
    '-N',
    '-n',
    '-M',
    '-S',
    control,
    '-o',
    'ControlPersist=no',
    '-o',
    'ExitOnForwardFailure=yes',
    ...connectOptions(t),
    '--',
    t.host,
  ];
}

// A client of the master: `-O <op>` control commands, or a remote command (constant words).
export function clientArgs(t: SshTarget, control: string, rest: { op?: string[]; command?: string[] }): string[] {
  return [
    '-S',
    control,
    '-o',
    'ControlMaster=no',
    ...(rest.op ?? []),
    ...connectOptions(t),
    '--',
    t.host,
    ...(rest.command ?? []),
  ];
}

// One word for the remote shell that ssh hands the command to.
export function shellQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
