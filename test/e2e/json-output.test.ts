// `--json`: every command, in success and in failure, prints exactly one JSON document on
// stdout, valid against schemas/pctl-output.schema.json (the real Docker engine runs the
// deploy; a kind service is rendered, never applied).
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'jsonout';
const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas/pctl-output.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

const stack = useStack();

const STACK_FILE = `name: ${STACK}
services:
  web:
    image: ./web
    command: sleep 3600
    provider: { name: docker }
  kube:
    image: nginx:1.27
    provider: { name: kind }
`;

// Runs pctl with --json and returns its one document, checked against the schema.
async function json(
  args: string[],
  expected: { exit: number; ok: boolean; command: string },
  env: Record<string, string> = {},
) {
  const r = await stack.pctl([...args, '--json'], { env });
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    throw new Error(
      `pctl ${args.join(' ')} --json: stdout is not one JSON document:\n${r.stdout}\n--- stderr:\n${r.stderr}`,
    );
  }
  const valid = validate(doc);
  expect(valid, `${args.join(' ')}: ${JSON.stringify(validate.errors)}\n${r.stdout}`).toBe(true);
  expect({ args, exit: r.exitCode, ok: doc.ok, command: doc.command }, r.stderr).toEqual({
    args,
    exit: expected.exit,
    ok: expected.ok,
    command: expected.command,
  });
  return doc as Record<string, any>;
}

beforeAll(async () => {
  await requireDocker();
  stack.write({
    'pctl.yaml': STACK_FILE,
    'web/Dockerfile': 'FROM busybox:latest\nCOPY site /site\n',
    'web/site/index.html': 'hello\n',
    'bad.yaml': `name: ${STACK}\nservices:\n  a:\n    imgae: x\n    provider: { name: docker }\n  b:\n    image: y\n    provider: { name: nosuchprovider }\n`,
  });
});
afterAll(async () => {
  await removeStack(STACK);
});

describe('--json', () => {
  it('prints one schema-valid document for every command, in success and failure', async () => {
    // validate
    const v = await json(['validate'], { exit: 0, ok: true, command: 'validate' });
    expect(v.serviceNames).toEqual(['web', 'kube']);
    const bad = await json(['validate', '-c', 'bad.yaml'], { exit: 2, ok: false, command: 'validate' });
    expect(bad.error.code).toBe('InvalidConfig');
    expect(bad.error.issues.length).toBeGreaterThanOrEqual(1);
    for (const i of bad.error.issues) expect(i.file).toBe('bad.yaml');

    // A config with two schema errors lists both, not only the first.
    writeFileSync(
      stack.path('two.yaml'),
      `name: ${STACK}\nservices:\n  a:\n    image: x\n    imgae: x\n    provider: { name: docker }\n  b:\n    image: y\n    scale: many\n    provider: { name: docker }\n`,
    );
    const two = await json(['plan', '-c', 'two.yaml'], { exit: 2, ok: false, command: 'plan' });
    expect(two.error.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'services.a.imgae',
      'services.b.scale',
    ]);

    // plan, render
    const plan = await json(['plan'], { exit: 0, ok: true, command: 'plan' });
    expect(plan.services.map((s: { key: string; action: string }) => [s.key, s.action]).sort()).toEqual([
      [`${STACK}-kube`, 'create'],
      [`${STACK}-web`, 'create'],
    ]);
    await json(['plan', 'nosuch'], { exit: 2, ok: false, command: 'plan' });
    const render = await json(['render', 'kube'], { exit: 0, ok: true, command: 'render' });
    expect(render.rendered[0].key).toBe(`${STACK}-kube`);
    const noRender = await json(['render', 'web'], { exit: 2, ok: false, command: 'render' });
    expect(noRender.error.code).toBe('NothingToRender');

    // build
    const build = await json(['build', 'web'], { exit: 0, ok: true, command: 'build' });
    expect(build.images[0]).toMatchObject({ service: 'web', built: true });
    await json(['build', '--list', 'web'], { exit: 0, ok: true, command: 'build' });
    await json(['build', '--explain', 'web'], { exit: 0, ok: true, command: 'build' });
    const noBuild = await json(['build', 'wbe'], { exit: 2, ok: false, command: 'build' });
    expect(noBuild.error.message).toContain('did you mean "web"?');

    // deploy (docker service only), and a deploy that fails mid-run: still one document.
    const dep = await json(['deploy', 'web'], { exit: 0, ok: true, command: 'deploy' });
    expect(dep.services).toEqual([expect.objectContaining({ key: `${STACK}-web`, result: 'deployed' })]);
    writeFileSync(
      stack.path('fail.yaml'),
      `name: ${STACK}-fail\nservices:\n  gone:\n    image: 127.0.0.1:9/pctl-json-test-no-such-image:nope\n    provider: { name: docker }\n`,
    );
    const failed = await json(['deploy', '-c', 'fail.yaml'], { exit: 1, ok: false, command: 'deploy' });
    expect(failed.services[0]).toMatchObject({ result: 'failed' });
    await json(['deploy', 'nosuch'], { exit: 2, ok: false, command: 'deploy' });
    await json(['deploy', '--concurrency', '0'], { exit: 2, ok: false, command: 'deploy' });
    await json(['deploy', '--frobnicate'], { exit: 2, ok: false, command: 'deploy' });

    // status
    const st = await json(['status', 'web'], { exit: 0, ok: true, command: 'status' });
    expect(st.status).toEqual([expect.objectContaining({ key: `${STACK}-web`, inState: 'deployed' })]);
    await json(['status', 'nosuch'], { exit: 2, ok: false, command: 'status' });

    // sync
    await json(['sync', '--once', 'web'], { exit: 0, ok: true, command: 'sync' });
    await json(['sync', '--once', 'nosuch'], { exit: 2, ok: false, command: 'sync' });

    // logs (its line objects come before the document, docs/using/json.md: here only failures, one
    // document each), exec, port-forward (the kind service was never deployed: exit 1)
    await json(['logs', 'nosuch'], { exit: 2, ok: false, command: 'logs' });
    // After `--` everything is the command: `--json` goes before it (json() appends another, for `true` to ignore).
    const ex = await json(['exec', 'web', '--json', '--', 'true'], { exit: 0, ok: true, command: 'exec' });
    expect(ex).toMatchObject({ service: 'web', replica: '1', exitCode: 0 });
    await json(['exec', 'web', 'true'], { exit: 2, ok: false, command: 'exec' });
    const pf = await json(['port-forward', 'kube', '80'], { exit: 1, ok: false, command: 'port-forward' });
    expect(pf.error).toMatchObject({
      code: 'NotRunning',
      message: expect.stringContaining('service kube is not running'),
    });

    // state show / recover / unlock
    const show = await json(['state', 'show'], { exit: 0, ok: true, command: 'state show' });
    expect(Object.keys(show.state)).toContain(`${STACK}-web`);
    writeFileSync(stack.path(`pctl.${STACK}-corrupt.json`), '{"torn": ');
    const corrupt = await json(['state', 'show', '--name', `${STACK}-corrupt`], {
      exit: 1,
      ok: false,
      command: 'state show',
    });
    expect(corrupt.error.code).toBe('StateCorrupt');
    // Recovery asks every platform the file names: a docker-only file of the same stack.
    writeFileSync(stack.path('docker.yaml'), STACK_FILE.replace(/  kube:[\s\S]*$/, ''));
    const rec = await json(['state', 'recover', '--yes', '-c', 'docker.yaml'], {
      exit: 0,
      ok: true,
      command: 'state recover',
    });
    expect(rec.entries).toContain(`${STACK}-web`);
    const noTty = await json(['state', 'recover', '-c', 'docker.yaml'], {
      exit: 2,
      ok: false,
      command: 'state recover',
    });
    expect(noTty.error.code).toBe('ConfirmationNeeded');
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(
      stack.path(`pctl.${STACK}.json.lock`),
      JSON.stringify({ pid: dead.pid, host: os.hostname(), command: 'deploy', startedAt: 'then' }),
    );
    const unlock = await json(['state', 'unlock'], { exit: 0, ok: true, command: 'state unlock' });
    expect(unlock.lock.owner.pid).toBe(dead.pid);
    const notLocked = await json(['state', 'unlock'], { exit: 1, ok: false, command: 'state unlock' });
    expect(notLocked.error.code).toBe('NotLocked');

    // destroy
    await json(['destroy', 'nosuch'], { exit: 2, ok: false, command: 'destroy' });
    const des = await json(['destroy'], { exit: 0, ok: true, command: 'destroy' });
    expect(des.services).toEqual([expect.objectContaining({ key: `${STACK}-web`, result: 'destroyed' })]);
    rmSync(stack.path(`pctl.${STACK}.json`));
    const noConfig = await json(['destroy', '-c', 'missing.yaml'], { exit: 2, ok: false, command: 'destroy' });
    expect(noConfig.error.code).toBe('ConfigNotFound');
  }, 600_000);
});
