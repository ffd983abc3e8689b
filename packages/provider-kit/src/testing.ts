// A context for testing a provider outside pctl: a memory reporter, a real exec wrapper
// (argument arrays, no shell) that records every command, and an abort controller.
import { spawn } from 'node:child_process';
import type { ProviderContext, RunFlags, ServiceImage, ServiceTarget } from './contract.js';
import type { ServiceConfig, StackConfig } from './config.js';
import type { Exec, ExecResult } from './exec.js';
import { PctlError } from './errors.js';
import { pctlLabels, serviceKey } from './labels.js';
import { createMemoryReporter, type ReportEvent } from './reporter.js';

export interface TestContext extends ProviderContext {
  events: ReportEvent[];
  /** Every command run through `exec`, as [file, ...args]. */
  commands: string[][];
  /** Aborts `signal` (what Ctrl-C does in pctl). */
  abort(): void;
}

export interface TestContextOptions {
  stack?: string;
  services?: Record<string, ServiceConfig>;
  cwd?: string;
  secrets?: string[];
  exec?: Exec;
  flags?: Partial<RunFlags>;
}

// A ProviderContext whose reporter keeps events in memory and whose exec runs for real.
export function createTestContext(opts: TestContextOptions = {}): TestContext {
  const stack = opts.stack ?? 'conformance';
  const cwd = opts.cwd ?? process.cwd();
  const config: StackConfig = { name: stack, custom: {}, services: opts.services ?? {} };
  const events: ReportEvent[] = [];
  const commands: string[][] = [];
  const controller = new AbortController();
  const secrets = opts.secrets ?? [];
  const run = opts.exec ?? spawnExec;
  const exec: Exec = (file, args, o = {}) => {
    commands.push([file, ...args]);
    return run(file, args, { signal: controller.signal, ...o, secrets: [...secrets, ...(o.secrets ?? [])] });
  };
  return {
    stack,
    config,
    configPath: `${cwd}/pctl.yaml`,
    configDir: cwd,
    cwd,
    reporter: createMemoryReporter(events),
    exec,
    signal: controller.signal,
    verbose: false,
    flags: { forceBuild: false, buildSequential: false, buildConcurrency: 2, skipPush: false, ...opts.flags },
    secrets,
    events,
    commands,
    abort: () => controller.abort(),
  };
}

// A target as pctl would hand it to deploy: labels, key and a fingerprint of your choosing.
export function createTarget(opts: {
  stack: string;
  name: string;
  service: ServiceConfig;
  image?: Partial<ServiceImage>;
  fingerprint?: string;
}): ServiceTarget {
  const image = {
    ref: opts.image?.ref ?? opts.service.image ?? '',
    builtByPctl: opts.image?.builtByPctl ?? false,
    ...(opts.image?.buildHash ? { buildHash: opts.image.buildHash } : {}),
  };
  return {
    name: opts.name,
    key: serviceKey(opts.stack, opts.name),
    service: opts.service,
    labels: pctlLabels(opts.stack, opts.name),
    fingerprint: opts.fingerprint ?? '0'.repeat(64),
    image,
  };
}

const mask = (text: string, secrets: string[] = []) => secrets.reduce((t, s) => (s ? t.split(s).join('***') : t), text);

// The kit's exec: child_process.spawn with an argument array and no shell.
export const spawnExec: Exec = (file, args, opts = {}) =>
  new Promise<ExecResult>((resolve, reject) => {
    const command = mask([file, ...args].join(' '), opts.secrets);
    const child = spawn(file, [...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      signal: opts.signal,
      timeout: opts.timeout,
      shell: false,
    });
    let stdout = '';
    let stderr = '';
    const feed = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString();
      if (stream === 'stdout') stdout += text;
      else stderr += text;
      if (opts.onLine)
        for (const line of text.split('\n').filter(Boolean)) opts.onLine(mask(line, opts.secrets), stream);
    };
    child.stdout.on('data', feed('stdout'));
    child.stderr.on('data', feed('stderr'));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT')
        reject(
          new PctlError({
            code: 'CommandNotFound',
            message: `command not found: ${file}`,
            fault: 'environment',
            hint: `install ${file}`,
          }),
        );
      else if (e.name === 'AbortError')
        reject(
          new PctlError({ code: 'Interrupted', message: `interrupted: ${command}`, fault: 'user', exitCode: 130 }),
        );
      else reject(new PctlError({ code: 'CommandFailed', message: `${command}: ${e.message}`, fault: 'environment' }));
    });
    child.on('close', (code) => {
      const result = {
        command,
        exitCode: code ?? 1,
        stdout: mask(stdout.replace(/\n$/, ''), opts.secrets),
        stderr: mask(stderr.replace(/\n$/, ''), opts.secrets),
      };
      if (result.exitCode !== 0 && opts.reject !== false) {
        const line =
          (result.stderr || result.stdout).split('\n').filter(Boolean).at(-1) ?? `exit code ${result.exitCode}`;
        reject(
          new PctlError({
            code: 'CommandFailed',
            message: `${file} ${args[0] ?? ''} failed: ${line}`,
            fault: 'environment',
            detail: `$ ${command}\n${result.stderr}`,
          }),
        );
      } else resolve(result);
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
