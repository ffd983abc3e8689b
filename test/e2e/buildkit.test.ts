// `builder: docker` builds with the engine's own BuildKit through the Engine API: cache
// mounts kept across builds, bind mounts of the context as fingerprint inputs, labels in
// the image config without a build step, BuildKit's status as pctl's progress, a failed
// step's own last lines in the error, unused stages skipped; `builder: classic` keeps the
// old builder. Every image, stack and cache id here starts with "bk-".
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctlBin } from '../helpers/cli.js';
import { until } from '../helpers/until.js';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'bk-kit';
const RUN_ID = Math.random().toString(36).slice(2, 8);
const stack = useStack({ prefix: 'bk-kit-' });
const svc = (name: string) => `  ${name}:\n    image: ./${name}\n    provider: { name: docker }\n`;

const built = async (args: string[] = []) => {
  const r = await stack.pctl(['build', '--json', ...args]);
  expect(r.stderr).not.toMatch(/^error/m);
  expect(r.exitCode).toBe(0);
  return Object.fromEntries(
    (JSON.parse(r.stdout).images as { service: string; ref: string; built: boolean }[]).map((i) => [i.service, i]),
  );
};
const run = async (ref: string, ...cmd: string[]) =>
  (await execa('docker', ['run', '--rm', '--entrypoint', '', ref, ...cmd])).stdout;
const inspect = async (ref: string, format: string) =>
  (await execa('docker', ['image', 'inspect', '--format', format, ref])).stdout;

beforeAll(async () => {
  await requireDocker();
  stack.write({
    'pctl.yaml': `name: ${STACK}\nservices:\n${svc('cached')}${svc('mounted')}${svc('stages')}  labelled:\n    build: { context: ./labelled, entrypoint: [echo, overridden] }\n    provider: { name: docker }\n`,
    // The cache mount keeps what one build wrote for the next, even after the lockfile changed.
    'cached/Dockerfile': `FROM busybox\nCOPY lock.txt /lock.txt\nRUN --mount=type=cache,id=bk-cache-${RUN_ID},target=/cache ls /cache > /seen && cp /lock.txt /cache/$(cat /lock.txt)\n`,
    'cached/lock.txt': 'first',
    // Only the bind-mounted file is an input: the other file is neither hashed nor sent.
    'mounted/Dockerfile':
      'FROM busybox\nRUN --mount=type=bind,source=conf/app.conf,target=/m/app.conf cp /m/app.conf /app.conf\n',
    'mounted/conf/app.conf': 'port=1',
    'mounted/notes.txt': 'not read',
    'labelled/Dockerfile': 'FROM busybox\nCMD ["sleep", "1"]\n',
    // BuildKit builds only the stages the target needs: the broken one is never run.
    'stages/Dockerfile':
      'FROM busybox AS broken\nRUN exit 7\nFROM busybox AS base\nRUN echo base > /base\nFROM base\nCOPY --chmod=751 run.sh /run.sh\n',
    'stages/run.sh': 'echo hi\n',
  });
});
afterAll(async () => {
  await removeStack(STACK);
});

describe("builder docker: the engine's BuildKit", () => {
  it('keeps a cache mount across builds after the lockfile changed', async () => {
    const first = await built(['cached']);
    expect(await run(first.cached!.ref, 'cat', '/seen')).toBe('');
    stack.write({ 'cached/lock.txt': 'second' });
    const second = await built(['cached']);
    expect(second.cached!.ref).not.toBe(first.cached!.ref);
    expect(await run(second.cached!.ref, 'cat', '/seen')).toBe('first');
  });

  it('hashes and sends the bind-mounted file, not the rest of the context', async () => {
    const explain = await stack.pctl(['build', '--explain', 'mounted']);
    expect(explain.stdout).toMatch(/context sent: only the 1 file the Dockerfile reads and the Dockerfile/);
    const first = await built(['mounted']);
    expect(await run(first.mounted!.ref, 'cat', '/app.conf')).toBe('port=1');
    stack.write({ 'mounted/notes.txt': 'edited, still not read' });
    expect((await built(['mounted'])).mounted!.built).toBe(false);
    stack.write({ 'mounted/conf/app.conf': 'port=2' });
    const changed = await built(['mounted']);
    expect(changed.mounted!.built).toBe(true);
    expect(await run(changed.mounted!.ref, 'cat', '/app.conf')).toBe('port=2');
  });

  it('puts labels and the entrypoint override into the image config without a build step', async () => {
    const { labelled } = await built(['labelled']);
    expect(JSON.parse(await inspect(labelled!.ref, '{{json .Config.Labels}}'))).toMatchObject({
      'managed-by': 'pctl',
      'pctl-stack': STACK,
    });
    expect(await inspect(labelled!.ref, '{{json .Config.Entrypoint}}')).toBe('["echo","overridden"]');
    // The image's history: the base's layers and the Dockerfile's own steps only, no LABEL or ENTRYPOINT layer.
    const history = (
      await execa('docker', ['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Size}}', labelled!.ref])
    ).stdout.split('\n');
    expect(history.filter((h) => /LABEL/.test(h))).toEqual([]);
    expect(history.filter((h) => !h.endsWith('|0B')).length).toBe(
      history.filter((h) => !h.endsWith('|0B') && !/ENTRYPOINT/.test(h)).length,
    );
  });

  it('skips stages the target does not need, and applies COPY --chmod', async () => {
    const { stages } = await built(['stages']);
    expect(await run(stages!.ref, 'stat', '-c', '%a', '/run.sh')).toBe('751');
    expect(await run(stages!.ref, 'cat', '/base')).toBe('base');
  });

  it("prints one line per step, the step's own output with -v, and a failed step's last lines in the error", async () => {
    stack.write({ 'stages/Dockerfile': 'FROM busybox\nRUN echo bk-step-output && echo bk-last-words >&2 && exit 3\n' });
    const plain = await stack.pctl(['build', 'stages']);
    expect(plain.exitCode).toBe(1);
    expect(plain.stderr).toMatch(/#\d+ \[\d\/\d\] RUN echo bk-step-output/);
    expect(plain.stderr).not.toMatch(/^\S+ #\d+ bk-step-output$/m);
    const errors = plain.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/building pctl-bk-kit-stages:[0-9a-f]{12} failed: .*exit code: 3/);
    const verbose = await stack.pctl(['build', '-v', 'stages']);
    expect(verbose.exitCode).toBe(1);
    expect(verbose.stderr).toMatch(/#\d+ bk-step-output/);
    // The error's detail: the request, the failed step and what it printed last (its stdout
    // and stderr are two streams: BuildKit keeps no order between them).
    expect(verbose.stderr).toMatch(
      /POST \/build\?version=2 .*\n#\d+ \[\d\/\d\] RUN echo bk-step-output.*\n(bk-step-output\nbk-last-words|bk-last-words\nbk-step-output)/,
    );
  });

  it('says what heredocs need on an engine whose frontend predates them, and what an offline engine needs for # syntax=', async () => {
    stack.write({ 'stages/Dockerfile': 'FROM busybox\nRUN <<EOF\necho bk-heredoc\nEOF\n' });
    const heredoc = await stack.pctl(['build', '-v', 'stages']);
    // Docker 23 and later build it; Debian's 20.10 (the engine here) says what it takes.
    if (heredoc.exitCode === 0) expect(heredoc.stderr).toMatch(/#\d+ bk-heredoc/);
    else
      expect(heredoc.stderr).toMatch(
        /error: building .* failed: .*\(heredocs and COPY --link need Dockerfile syntax 1\.4 or later/,
      );
    stack.write({ 'stages/Dockerfile': '# syntax=bk-no-such-registry.invalid/dockerfile:1\nFROM busybox\nRUN true\n' });
    const syntax = await stack.pctl(['build', 'stages']);
    expect(syntax.exitCode).toBe(1);
    expect(syntax.stderr).toMatch(
      /error: building .* failed: .*\(the engine could not get the Dockerfile frontend image bk-no-such-registry\.invalid\/dockerfile:1 that "# syntax=" names: an offline engine needs that image already/,
    );
  });

  it("Ctrl-C cancels the engine's BuildKit job: the step's process ends, no image is left", async () => {
    const marker = `bk-cancel-${RUN_ID}`;
    stack.write({ 'stages/Dockerfile': `FROM busybox\nRUN sleep 300 && echo ${marker}\n` });
    const stepRunning = () =>
      readdirSync('/proc').some((p) => {
        try {
          return (
            /^\d+$/.test(p) &&
            readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker) &&
            readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('/bin/sh')
          );
        } catch {
          return false;
        }
      });
    const child = execa(process.execPath, [pctlBin, 'build', 'stages'], {
      cwd: stack.dir,
      env: { NO_COLOR: '1' },
      reject: false,
    });
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    await until('the RUN step to start in the engine', stepRunning, { timeoutMs: 120_000, detail: () => err });
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    await until("the step's process to end", () => !stepRunning(), { timeoutMs: 60_000 });
    // The tag this Dockerfile's build would have made does not exist.
    const tag = /building (pctl-bk-kit-stages:[0-9a-f]{12})/.exec(err)?.[1];
    expect(tag).toBeDefined();
    expect((await execa('docker', ['image', 'inspect', tag!], { reject: false })).exitCode).not.toBe(0);
  });

  it('builder classic keeps the old builder: labels as a step, no --mount', async () => {
    stack.write({
      'pctl.yaml': `name: ${STACK}\nservices:\n  old:\n    build: { context: ./old, builder: classic }\n    provider: { name: docker }\n  oldmount:\n    build: { context: ./oldmount, builder: classic }\n    provider: { name: docker }\n`,
      'old/Dockerfile': 'FROM busybox\nRUN echo old > /old\n',
      'oldmount/Dockerfile': 'FROM busybox\nRUN --mount=type=cache,target=/c true\n',
    });
    const { old } = await built(['old']);
    const history = (await execa('docker', ['history', '--no-trunc', '--format', '{{.CreatedBy}}', old!.ref])).stdout;
    expect(history).toMatch(/LABEL .*managed-by.*pctl/);
    const r = await stack.pctl(['build', 'oldmount']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /error: building pctl-bk-kit-oldmount:[0-9a-f]{12} failed: .*(BuildKit|--mount|Unknown flag: mount)/i,
    );
  });
});
