// Jobs on the real Docker engine: a `kind: job` service runs to completion before the
// services that depend on it (`condition: completed`), again only when its fingerprint
// changes; a failing job keeps its dependents from being deployed (the old version keeps
// serving) and shows its last log lines; a job past its timeout is stopped and named;
// `pctl run` runs a one-off container, passing its output and exit code through.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, labelled, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'jobs-dk';
const stack = useStack({ prefix: 'jobs-dk-' });

// The stack: `migrate` appends a line to ./shared/runs.log on each run; `api` depends on it.
const stackFile = (o: { migrate?: string; timeout?: string; version?: string } = {}) => `name: ${STACK}
services:
  migrate:
    kind: job
    image: busybox:latest
    command: ${JSON.stringify(o.migrate ?? 'echo "migrating $SCHEMA"; echo "run $SCHEMA" >> /shared/runs.log')}
    env: { SCHEMA: v1 }
    volumes: ["./shared:/shared"]
${o.timeout ? `    timeout: ${o.timeout}\n` : ''}    provider: { name: docker }
  api:
    image: busybox:latest
    command: sleep 3600
    env: { VERSION: "${o.version ?? '1'}" }
    dependsOn: [{ service: migrate, condition: completed }]
    provider: { name: docker, options: { timeout: 30 } }
`;
const runs = () => readFileSync(stack.path('shared/runs.log'), 'utf8').trim().split('\n');
const inspect = (name: string, format: string) => docker(['inspect', '--format', format, name]);

beforeAll(async () => {
  await requireDocker();
  stack.write({ 'pctl.yaml': stackFile(), 'shared/.keep': '' });
});
afterAll(async () => {
  await removeStack(STACK);
});

describe('jobs and dependsOn conditions (docker)', () => {
  it('runs the job to completion before the service that depends on it, and keeps its container', async () => {
    const r = await stack.pctl(['deploy']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(runs()).toEqual(['run v1']);
    // The job's container is kept (exited 0), the api runs.
    expect(await inspect(`${STACK}-migrate`, '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 0');
    expect(await inspect(`${STACK}-api`, '{{.State.Running}}')).toBe('true');
    // The api started after the job ended.
    const jobEnd = Date.parse(await inspect(`${STACK}-migrate`, '{{.State.FinishedAt}}'));
    const apiStart = Date.parse(await inspect(`${STACK}-api`, '{{.State.StartedAt}}'));
    expect(apiStart).toBeGreaterThanOrEqual(jobEnd);
  });

  it('does not run an unchanged job again', async () => {
    const r = await stack.pctl(['deploy', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { services: { service: string; result: string }[] };
    expect(doc.services.find((s) => s.service === 'migrate')?.result).toBe('skipped');
    expect(runs()).toEqual(['run v1']);
    const st = await stack.pctl(['status']);
    expect(st.exitCode, st.stderr).toBe(0);
    expect(st.stdout + st.stderr).toContain('job completed (exit 0)');
  });

  it('a failing job: its dependent is not deployed, the old one keeps serving, exit 1 with the last log lines', async () => {
    const before = await inspect(`${STACK}-api`, '{{.Id}}');
    stack.write({
      'pctl.yaml': stackFile({
        migrate: 'echo "step one"; echo "ERROR: relation users already exists"; exit 3',
        version: '2',
      }),
    });
    const r = await stack.pctl(['deploy']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${STACK}-migrate: job exited with code 3: ERROR: relation users already exists`);
    // The last lines, without --verbose.
    expect(r.stderr).toContain('step one');
    // The api was not touched: same container, old env, running.
    expect(await inspect(`${STACK}-api`, '{{.Id}}')).toBe(before);
    expect(await inspect(`${STACK}-api`, '{{.State.Running}} {{range .Config.Env}}{{.}},{{end}}')).toContain(
      'true VERSION=1,',
    );
    const state = JSON.parse(stack.read(`pctl.${STACK}.json`)) as {
      services?: Record<string, { env?: unknown }>;
    } & Record<string, unknown>;
    expect(JSON.stringify(state)).not.toContain('"VERSION":"2"');
  });

  it('stops a job that outlives its timeout and names it', async () => {
    stack.write({
      'pctl.yaml': stackFile({
        migrate: "trap 'echo got TERM; exit 143' TERM; echo waiting; sleep 300 & wait",
        timeout: '2s',
      }),
    });
    const r = await stack.pctl(['deploy']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${STACK}-migrate: job did not finish within its timeout (2s): stopped`);
    expect(r.stderr).toContain('waiting');
    expect(await inspect(`${STACK}-migrate`, '{{.State.Running}}')).toBe('false');
  });

  it('runs again once fixed, then deploys its dependent', async () => {
    stack.write({ 'pctl.yaml': stackFile({ version: '2' }) });
    const r = await stack.pctl(['deploy']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(runs()).toEqual(['run v1', 'run v1']);
    expect(await inspect(`${STACK}-api`, '{{range .Config.Env}}{{.}},{{end}}')).toContain('VERSION=2,');
  });

  it('pctl run: a one-off from the service, output byte for byte, exit code passed through, removed after', async () => {
    const r = await stack.pctl([
      'run',
      'api',
      '--',
      'sh',
      '-c',
      'printf "v=%s\\ta\\r\\nno newline é" "$VERSION"; printf "to stderr" >&2; exit 7',
    ]);
    expect(r.exitCode).toBe(7);
    expect(r.stdout).toBe('v=2\ta\r\nno newline é');
    expect(r.stderr).toContain('to stderr');
    const ok = await stack.pctl(['run', 'migrate', '--', 'cat', '/shared/runs.log']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('run v1\nrun v1'); // execa drops the final newline
    // Nothing of the one-offs is left; the service's own containers are untouched.
    expect(await labelled('container', STACK)).toEqual([`${STACK}-api`, `${STACK}-migrate`]);
  });

  it('refuses a dependency cycle through conditions (exit 2, the cycle named) and conditions a dependency cannot meet', async () => {
    const cyc = useCycle();
    const r = await stack.pctl(['-c', cyc, 'validate']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('dependsOn cycle: a -> b -> a');
    expect(r.stderr).toContain('condition completed needs a job: add kind: job to b');
  });

  it('destroy removes the job and its container with the rest', async () => {
    const r = await stack.pctl(['destroy']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await labelled('container', STACK)).toEqual([]);
  });
});

// A stack file with a cycle through conditions, beside the main one.
function useCycle(): string {
  stack.write({
    'cycle.yaml': `name: jobs-cyc
services:
  a:
    image: busybox:latest
    dependsOn: [{ service: b, condition: completed }]
    provider: { name: docker }
  b:
    image: busybox:latest
    dependsOn: [{ service: a, condition: started }]
    provider: { name: docker }
`,
  });
  return 'cycle.yaml';
}
