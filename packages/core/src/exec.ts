// The one way pctl runs an external command: an argument array, never a shell string.
import type { Options as ExecaOptions } from 'execa';
import { PctlError } from './errors.js';
import { knownSecrets, maskSecrets } from './output/mask.js';

export type { Exec, ExecOptions, ExecResult } from '@pctl/provider-kit';
import type { Exec, ExecResult } from '@pctl/provider-kit';

// Renders a command for messages, quoting arguments that need it, masking secrets.
export function formatCommand(file: string, args: readonly string[], secrets: readonly string[] = []): string {
  const q = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  const all = [...secrets, ...knownSecrets()];
  return maskSecrets([file, ...args].map((a) => q(maskSecrets(a, all))).join(' '), all);
}

// Tail of a text, for error messages that should show "the last lines".
export function lastLines(text: string, n = 10): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-n).join('\n');
}

// The line of a failed command's output that says what went wrong: the first line that
// reads like an error ("docker: Error response from daemon: ..."), else the last line.
// Usage hints such as "Run 'docker run --help' for more information" never win.
export function errorLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const useful = lines.filter((l) => !/^Run '.*--help' for more information|^See '.*--help'/.test(l));
  const err = useful.find((l) =>
    /\b(error|failed|denied|cannot|can't|no such|not found|invalid|unable|refused)\b/i.test(l),
  );
  return err ?? useful.at(-1) ?? lines.at(-1) ?? '';
}

// execa and its dependencies are about 130 modules, 0.15 s of every start-up on a small
// machine: loaded with the first command run, not with pctl (most runs spawn nothing).
type ExecaModule = typeof import('execa');
let execaModule: ExecaModule | undefined;
let execaLoading: Promise<ExecaModule> | undefined;
export function loadExeca(): Promise<ExecaModule> {
  return (execaLoading ??= import('execa').then((m) => (execaModule = m)));
}

export interface CreateExecOptions {
  /** Called before each command runs (verbose logging). */
  onCommand?: (command: string) => void;
  secrets?: () => string[];
}

// Builds the exec wrapper; the CLI makes one per run and hands it to providers.
export function createExec(factoryOpts: CreateExecOptions = {}): Exec {
  return async (file, args, opts = {}) => {
    const secrets = [...(factoryOpts.secrets?.() ?? []), ...(opts.secrets ?? []), ...knownSecrets()];
    const command = formatCommand(file, args, secrets);
    factoryOpts.onCommand?.(command);
    const execaOpts: ExecaOptions = {
      cwd: opts.cwd,
      env: opts.env,
      extendEnv: true,
      input: opts.input,
      cancelSignal: opts.signal,
      timeout: opts.timeout,
      reject: false,
      stripFinalNewline: true,
      encoding: 'utf8',
      shell: false,
      ...(opts.onLine ? { lines: false } : {}),
    };
    let child;
    try {
      const { execa } = await loadExeca();
      child = execa(file, [...args], execaOpts);
      if (opts.onLine) {
        const feed = (stream: 'stdout' | 'stderr') => {
          let buf = '';
          return (chunk: Buffer | string) => {
            buf += chunk.toString();
            let i;
            while ((i = buf.indexOf('\n')) >= 0) {
              opts.onLine!(maskSecrets(buf.slice(0, i), secrets), stream);
              buf = buf.slice(i + 1);
            }
          };
        };
        child.stdout?.on('data', feed('stdout'));
        child.stderr?.on('data', feed('stderr'));
      }
      const r = await child;
      if (
        (r as { code?: string }).code === 'ENOENT' ||
        (r.failed && r.exitCode === undefined && /ENOENT/.test(String(r.message)))
      ) {
        throw new PctlError({
          code: 'CommandNotFound',
          message: `command not found: ${file}`,
          fault: 'environment',
          hint: `install ${file} and make sure it is on PATH`,
          detail: command,
        });
      }
      if (r.isCanceled) {
        throw new PctlError({ code: 'Interrupted', message: `interrupted: ${command}`, fault: 'user', exitCode: 130 });
      }
      if (r.timedOut) {
        throw new PctlError({
          code: 'CommandTimeout',
          message: `timed out after ${opts.timeout}ms: ${command}`,
          fault: 'environment',
        });
      }
      const result: ExecResult = {
        command,
        exitCode: r.exitCode ?? 1,
        stdout: maskSecrets(String(r.stdout ?? ''), secrets),
        stderr: maskSecrets(String(r.stderr ?? ''), secrets),
      };
      if (result.exitCode !== 0 && opts.reject !== false) {
        const firstErr = errorLine(result.stderr || result.stdout) || `exit code ${result.exitCode}`;
        throw new PctlError({
          code: 'CommandFailed',
          message: `${file} ${args[0] ?? ''} failed: ${firstErr}`.replace(/\s+/g, ' ').trim(),
          fault: 'environment',
          detail: `$ ${command}\n${lastLines(result.stderr || result.stdout, 30)}`,
        });
      }
      return result;
    } catch (e) {
      if (e instanceof PctlError) throw e;
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') {
        throw new PctlError({
          code: 'CommandNotFound',
          message: `command not found: ${file}`,
          fault: 'environment',
          hint: `install ${file} and make sure it is on PATH`,
          detail: command,
        });
      }
      throw new PctlError({
        code: 'CommandFailed',
        message: `${command}: ${err.message}`,
        fault: 'environment',
        cause: e,
      });
    }
  };
}

// `a | b` without a shell and without temp files (e.g. `docker save | ssh host docker load`).
export async function execPipe(
  from: { file: string; args: readonly string[] },
  to: { file: string; args: readonly string[] },
  opts: { signal?: AbortSignal; onCommand?: (c: string) => void } = {},
): Promise<void> {
  const command = `${formatCommand(from.file, from.args)} | ${formatCommand(to.file, to.args)}`;
  opts.onCommand?.(command);
  const { execa } = await loadExeca();
  const r = await execa(from.file, [...from.args], { cancelSignal: opts.signal, reject: false }).pipe(
    to.file,
    [...to.args],
    { cancelSignal: opts.signal, reject: false },
  );
  const failed = r.exitCode !== 0 ? r : r.pipedFrom.find((p) => p.exitCode !== 0);
  if (failed) {
    throw new PctlError({
      code: 'CommandFailed',
      message: maskSecrets(
        `${command} failed: ${errorLine(String(failed.stderr ?? '')) || `exit code ${failed.exitCode}`}`,
        knownSecrets(),
      ),
      fault: 'environment',
      detail: maskSecrets(`$ ${command}\n${lastLines(String(failed.stderr ?? ''), 20)}`, knownSecrets()),
    });
  }
}

/** A long-running command whose stdio are streams (a byte pipe to a remote engine). */
export interface StreamProcess {
  stdin: NodeJS.WritableStream;
  stdout: NodeJS.ReadableStream;
  /** Settles when the command ends, with its exit code and the tail of its stderr (masked). */
  exited: Promise<{ exitCode: number; stderr: string }>;
  kill(): void;
}

// Starts a command (argument array, no shell) with piped stdio; it is killed if pctl exits.
// Synchronous, for a socket handler: the caller awaits loadExeca() once beforehand.
export function spawnStream(
  file: string,
  args: readonly string[],
  opts: { onCommand?: (c: string) => void } = {},
): StreamProcess {
  if (!execaModule) throw new Error('spawnStream: await loadExeca() first');
  const { execa } = execaModule;
  const secrets = knownSecrets();
  opts.onCommand?.(formatCommand(file, args, secrets));
  const child = execa(file, [...args], {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    shell: false,
    cleanup: true,
    encoding: 'buffer',
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = child.then(
    (r) => ({
      exitCode: r.exitCode ?? (/ENOENT/.test(String(r.message)) ? 127 : 1),
      stderr: maskSecrets(stderr || String(r.failed && r.exitCode === undefined ? r.message : ''), secrets),
    }),
    (e: Error) => ({ exitCode: 1, stderr: maskSecrets(`${stderr}${e.message}`, secrets) }),
  );
  return { stdin: child.stdin!, stdout: child.stdout!, exited, kill: () => void child.kill() };
}
