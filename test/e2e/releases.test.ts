// History and rollback on the real Docker engine: every deploy records a release, `pctl
// history` lists them, `pctl rollback` runs an earlier release's image and settings again
// without building (its secret resolved again from the stack file, never stored), recorded as
// a new release; kept releases' images survive the deploy's cleanup; a release whose image is
// gone, or that does not exist, changes nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';
import { docker, labelled, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const validate = new Ajv({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(path.join(repoRoot, 'schemas/pctl-output.schema.json'), 'utf8')),
);
// A --json document, valid against the output schema.
const doc = (stdout: string) => {
  const d = JSON.parse(stdout);
  expect(validate(d), JSON.stringify(validate.errors)).toBe(true);
  return d;
};
const STACK = 'rl-hist';
const TOKEN = 'rl-t0ken-Value-5521';
const env = { RL_TOKEN: TOKEN };
const stack = useStack({ prefix: 'rl-' });
const stateFile = () => stack.path(`pctl.${STACK}.json`);
const stackFile = (site: string) => `name: ${STACK}
services:
  web:
    image: ./web
    command: sleep 3600
    env:
      TOKEN: \${env:RL_TOKEN}
      SITE: ${site}
    provider: { name: docker, options: { timeout: 30 } }
  side:
    image: busybox:latest
    command: sleep 3600
    provider: { name: docker }
`;

interface HistoryDoc {
  ok: boolean;
  history: {
    key: string;
    service: string;
    releases: { number: number; image?: string; digest?: string; current: boolean; rollbackOf?: number }[];
  }[];
}
const history = async (...args: string[]): Promise<HistoryDoc> => {
  const r = await stack.pctl(['history', ...args, '--json'], { env });
  expect(r.exitCode, r.stderr).toBe(0);
  return doc(r.stdout) as HistoryDoc;
};
const webOf = (h: HistoryDoc) => h.history.find((s) => s.service === 'web')!.releases;
const running = async () =>
  docker(['inspect', '--format', '{{.Config.Image}} {{range .Config.Env}}{{.}},{{end}}', `${STACK}-web`]);

beforeAll(async () => {
  await requireDocker();
  stack.write({
    'pctl.yaml': stackFile('one'),
    'web/Dockerfile': 'FROM busybox:latest\nCOPY site /site\n',
    'web/site': 'v1\n',
  });
});
afterAll(async () => {
  await removeStack(STACK);
});

describe('history and rollback (docker)', () => {
  let v1 = '';
  let v2 = '';

  it('records a release per deploy and lists them', async () => {
    const a = await stack.pctl(['deploy'], { env });
    expect(a.exitCode, a.stderr).toBe(0);
    stack.write({ 'pctl.yaml': stackFile('two'), 'web/site': 'v2\n' });
    const b = await stack.pctl(['deploy'], { env });
    expect(b.exitCode, b.stderr).toBe(0);
    const releases = webOf(await history());
    expect(releases.map((r) => [r.number, r.current])).toEqual([
      [1, false],
      [2, true],
    ]);
    [v1, v2] = releases.map((r) => r.image!);
    expect(v1).not.toBe(v2);
    for (const r of releases) expect(r.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The image release 1 ran is kept for a rollback, though nothing runs it.
    expect(await labelled('image', STACK)).toEqual([v1, v2].sort());
    const table = await stack.pctl(['history', 'web'], { env });
    expect(table.exitCode, table.stderr).toBe(0);
    expect(table.stdout).toMatch(
      /web \(rl-hist-web\):\n.*\n\s+1\s+\S+\s+pctl-rl-hist-web:\S+\s+[0-9a-f]{12}\s*\n\s+2\s.*current/,
    );
    expect(readFileSync(stateFile(), 'utf8')).not.toContain(TOKEN);
  }, 300_000);

  it('rolls back to the previous release without building, secrets resolved again, as a new release', async () => {
    const r = await stack.pctl(['rollback', 'web', '--json'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(doc(r.stdout).services).toEqual([
      expect.objectContaining({ key: `${STACK}-web`, result: 'deployed', reason: 'rollback to release 1' }),
    ]);
    expect(r.stderr).not.toMatch(/building|BuildStarted/i);
    const [image, vars] = (await running()).split(' ');
    expect(image).toBe(v1);
    expect(vars!.split(',')).toEqual(expect.arrayContaining([`TOKEN=${TOKEN}`, 'SITE=one']));
    expect(await docker(['exec', `${STACK}-web`, 'cat', '/site'])).toBe('v1');
    const releases = webOf(await history('web'));
    expect(releases.map((x) => [x.number, x.image, x.current, x.rollbackOf])).toEqual([
      [1, v1, false, undefined],
      [2, v2, false, undefined],
      [3, v1, true, 1],
    ]);
    expect(readFileSync(stateFile(), 'utf8')).not.toContain(TOKEN);
    // The next deploy brings the stack file's version back (no build: its image is kept).
    const again = await stack.pctl(['deploy', '--json'], { env });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).services.find((s: { service: string }) => s.service === 'web').result).toBe(
      'deployed',
    );
    expect((await running()).split(' ')[0]).toBe(v2);
    expect(webOf(await history()).map((x) => x.number)).toEqual([1, 2, 3, 4]);
  }, 300_000);

  it('refuses a release that does not exist, or whose image is gone, changing nothing', async () => {
    const before = readFileSync(stateFile(), 'utf8');
    const container = await docker(['inspect', '--format', '{{.Id}}', `${STACK}-web`]);
    const missing = await stack.pctl(['rollback', 'web', '--to', '99', '--json'], { env });
    expect(missing.exitCode).toBe(1);
    expect(doc(missing.stdout).error.code).toBe('ReleaseNotFound');
    const two = await stack.pctl(['rollback', 'web', 'side', '--to', '1'], { env });
    expect(two.exitCode).toBe(2);
    expect(two.stderr).toMatch(/name one service/);
    await docker(['rmi', v1]);
    const gone = await stack.pctl(['rollback', 'web', '--to', '1', '--json'], { env });
    expect(gone.exitCode).toBe(1);
    const err = doc(gone.stdout).error;
    expect(err.code).toBe('ReleaseImageGone');
    expect(err.message).toContain(v1);
    expect(readFileSync(stateFile(), 'utf8')).toBe(before);
    expect(await docker(['inspect', '--format', '{{.Id}}', `${STACK}-web`])).toBe(container);
  }, 300_000);

  it('a secret changed since the release is refused, naming where', async () => {
    const r = await stack.pctl(['rollback', 'web', '--to', '2'], { env: { RL_TOKEN: 'rl-another-Value-9' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/release 2 used a secret at env\.TOKEN/);
  }, 300_000);

  it('history: 1 keeps one release, and the image of a release no longer kept goes', async () => {
    writeFileSync(stack.path('pctl.yaml'), `history: 1\n${stackFile('two')}`);
    stack.write({ 'web/site': 'v3\n' });
    const r = await stack.pctl(['deploy'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const releases = webOf(await history());
    expect(releases.map((x) => x.number)).toEqual([5]);
    expect(await labelled('image', STACK)).toEqual([releases[0]!.image]);
  }, 300_000);
});
