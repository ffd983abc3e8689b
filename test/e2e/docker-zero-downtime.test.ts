// Start-first replacement on the real engine: a client container on the stack's network
// sends requests in a loop to the service's alias while the service is redeployed with a
// new image ten times, then with a broken one. Every deploy ends with one container under
// the alias serving the new version; the broken one fails the run (exit 1, the service and
// its last log line named) and the old version keeps serving; the client's failed requests
// are counted.
import { execa } from 'execa';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctlBin, repoRoot } from '../helpers/cli.js';
import { docker, labelled, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';
import { until } from '../helpers/until.js';

const STACK = 'safe-zd';
const CLIENT = 'safe-zd-client';
const REDEPLOYS = 10;
const stack = useStack({ prefix: 'safe-zd-' });

// A web server that answers `v<n>` and shuts down as servers do on SIGTERM: it stops
// listening and lets the requests it accepted finish (sh as PID 1 would ignore SIGTERM).
// `ignoreTerm`: a server that ignores SIGTERM (stopped by the engine's SIGKILL after its stop timeout).
const server = (version: string, o: { ignoreTerm?: boolean } = {}) => ({
  'web/Dockerfile': o.ignoreTerm
    ? 'FROM busybox:latest\nCOPY index.html /w/index.html\nCMD ["sh", "-c", "trap \'\' TERM; httpd -f -p 8080 -h /w & wait $!"]\n'
    : 'FROM busybox:latest\nCOPY index.html /w/index.html\nCMD ["sh", "-c", "httpd -f -p 8080 -h /w & p=$!; trap \'kill $p; sleep 0.5; exit 0\' TERM; wait $p"]\n',
  'web/index.html': `${version}\n`,
});
const stackFile = `name: ${STACK}
services:
  web:
    image: ./web
    health: { command: "printf 'GET / HTTP/1.0\\\\r\\\\n\\\\r\\\\n' | nc -w 1 127.0.0.1 8080 | grep -q '^v'", interval: 1, retries: 2 }
    provider: { name: docker }
`;

// The client (test/fixtures/http-client/client.c, built static here): one HTTP/1.0 request
// after the other to web:8080, connecting as curl, Go and Python do (each address the name
// resolves to in turn), every answer counted as served or failed.
const CLIENT_SOURCE = path.join(repoRoot, 'test/fixtures/http-client/client.c');

const inClient = (cmd: string) => docker(['exec', CLIENT, 'sh', '-c', cmd]);
const counts = async () =>
  (await inClient('cat /tmp/counts 2>/dev/null || echo 0 0')).split(' ').map(Number) as [number, number];
const ask = () => inClient("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 web 8080 | tail -n 1");

beforeAll(async () => {
  await requireDocker();
  await removeStack(STACK);
  await execa('docker', ['rm', '-f', CLIENT], { reject: false });
});
afterAll(async () => {
  await execa('docker', ['rm', '-f', CLIENT], { reject: false });
  await removeStack(STACK);
});

describe('start-first on Docker', () => {
  it(`serves every request while redeployed ${REDEPLOYS} times, and keeps serving past a broken version`, async () => {
    stack.write({ 'pctl.yaml': stackFile, ...server('v0') });
    const first = await stack.pctl(['deploy']);
    expect(first.exitCode, first.stderr).toBe(0);
    await execa('gcc', ['-static', '-O2', '-o', stack.path('client'), CLIENT_SOURCE]);
    await docker(['run', '-d', '--name', CLIENT, '--network', `pctl-${STACK}`, 'busybox:latest', 'sleep', '3600']);
    await docker(['cp', stack.path('client'), `${CLIENT}:/client`]);
    await docker(['exec', '-d', CLIENT, '/client', 'web', '8080', '/tmp']);
    await until('the client to get answers', async () => (await counts())[0] > 10);

    for (let i = 1; i <= REDEPLOYS; i++) {
      stack.write(server(`v${i}`));
      const r = await stack.pctl(['deploy']);
      expect(r.exitCode, r.stderr).toBe(0);
      // One container under the alias, the new version: never two versions, never none.
      expect(await labelled('container', STACK)).toEqual([`${STACK}-web`]);
      expect(await ask()).toBe(`v${i}`);
    }

    const [, failedWhileRedeployed] = await counts();
    const entry = () => JSON.parse(stack.read(`pctl.${STACK}.json`))[`${STACK}-web`];
    const served = entry();

    // A broken version: the run fails naming the service and its last log line, the old one serves on.
    stack.write({
      'web/Dockerfile': 'FROM busybox:latest\nCMD ["sh", "-c", "echo missing DATABASE_URL >&2; exit 3"]\n',
    });
    const broken = await stack.pctl(['deploy']);
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toMatch(new RegExp(`${STACK}-web.*exited with code 3.*missing DATABASE_URL`));
    expect(await labelled('container', STACK)).toEqual([`${STACK}-web`]);
    expect(await ask()).toBe(`v${REDEPLOYS}`);
    // The state keeps the version that serves: its entry as it was, not an unfinished deploy.
    expect({ ...entry(), updatedAt: 0 }).toEqual({ ...served, updatedAt: 0 });
    // The stack file back at that version: nothing to deploy.
    stack.write(server(`v${REDEPLOYS}`));
    const back = await stack.pctl(['deploy', '--json']);
    expect(back.exitCode, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout).services.map((s: { result: string }) => s.result)).toEqual(['skipped']);

    const before = (await counts())[0];
    await until('more answers after the broken deploy', async () => (await counts())[0] > before + 10);
    await inClient('touch /tmp/stop');
    await until('the client to stop', async () => (await inClient('ls /tmp/done 2>/dev/null || true')) !== '');
    const [ok, failed] = await counts();
    const failures = await inClient('cat /tmp/failures 2>/dev/null || true');
    console.log(`safe-zd: ${ok} answered, ${failed} failed${failures ? `:\n${failures}` : ''}`);
    expect(ok).toBeGreaterThan(REDEPLOYS * 10);
    // Past a broken version, nothing changed for clients: not one request failed.
    expect(failed - failedWhileRedeployed).toBe(0);
    // While redeployed: at most one request per handover, accepted by the old server in the
    // instant it closed its listener on SIGTERM, while the engine's DNS still named it (it
    // drops a container's name only once it stopped); see docs/using/docker.md.
    expect(failedWhileRedeployed).toBeLessThanOrEqual(REDEPLOYS);
    expect(failures.split('\n').filter((l) => l && !/reset by peer|answer \[\]/.test(l))).toEqual([]);
  }, 600_000);
});

// kill -9 in the middle of a handover: the next deploy undoes a replacement that had not
// taken over yet, and finishes one whose old container was already gone.
describe('a start-first handover cut by kill -9', () => {
  const KSTACK = 'safe-zdk';
  const kstack = useStack({ prefix: 'safe-zdk-' });
  const kfile = stackFile.replace(`name: ${STACK}`, `name: ${KSTACK}`);
  const askIn = async (client: string) =>
    docker(['exec', client, 'sh', '-c', "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 web 8080 | tail -n 1"]);
  const KCLIENT = 'safe-zdk-client';
  afterAll(async () => {
    await execa('docker', ['rm', '-f', KCLIENT], { reject: false });
    await removeStack(KSTACK);
  });

  it('is undone or finished by the next deploy: one version under the alias, never two, never none', async () => {
    await removeStack(KSTACK);
    kstack.write({ 'pctl.yaml': kfile, ...server('v1') });
    expect((await kstack.pctl(['deploy'])).exitCode).toBe(0);
    await docker(['run', '-d', '--name', KCLIENT, '--network', `pctl-${KSTACK}`, 'busybox:latest', 'sleep', '3600']);

    // Killed while the replacement passes its gate under its temporary name.
    kstack.write(server('v2'));
    const run = execa(process.execPath, [pctlBin, 'deploy'], {
      cwd: kstack.dir,
      reject: false,
      env: { NO_COLOR: '1' },
    });
    await until(
      'the replacement under its temporary name',
      async () => (await labelled('container', KSTACK)).includes(`${KSTACK}-web.next`),
      { timeoutMs: 120_000 },
    );
    run.kill('SIGKILL');
    await run;
    expect(await askIn(KCLIENT)).toBe('v1');
    const again = await kstack.pctl(['deploy']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await labelled('container', KSTACK)).toEqual([`${KSTACK}-web`]);
    expect(await askIn(KCLIENT)).toBe('v2');

    // Killed after the old container went and before the new one took its name: what the
    // crash leaves is made by hand (the entry still pending, the new one under `.next`).
    await docker(['rename', `${KSTACK}-web`, `${KSTACK}-web.next`]);
    const file = kstack.path(`pctl.${KSTACK}.json`);
    const state = JSON.parse(kstack.read(`pctl.${KSTACK}.json`));
    state[`${KSTACK}-web`].pending = true;
    writeFileSync(file, JSON.stringify(state));
    const finished = await kstack.pctl(['deploy']);
    expect(finished.exitCode, finished.stderr).toBe(0);
    expect(await labelled('container', KSTACK)).toEqual([`${KSTACK}-web`]);
    expect(await askIn(KCLIENT)).toBe('v2');

    // Killed between the two renames: the new one (alias taken) under `.next`, the old one
    // stepped aside as `.old` and still answering under the alias. The next deploy gives the
    // new one its name and drains the old one: afterwards only the new version answers.
    await docker(['rename', `${KSTACK}-web`, `${KSTACK}-web.next`]);
    const labels = ['managed-by=pctl', `pctl-stack=${KSTACK}`, `pctl-service=${KSTACK}-web`].flatMap((l) => [
      '--label',
      l,
    ]);
    await docker([
      'run',
      '-d',
      '--name',
      `${KSTACK}-web.old`,
      ...labels,
      '--network',
      `pctl-${KSTACK}`,
      '--network-alias',
      'web',
      'busybox:latest',
      'sh',
      '-c',
      'mkdir /w; echo old > /w/index.html; exec httpd -f -p 8080 -h /w',
    ]);
    await until('the old one answering under the alias', async () => (await askIn(KCLIENT)) === 'old', {
      timeoutMs: 60_000,
    });
    const state2 = JSON.parse(kstack.read(`pctl.${KSTACK}.json`));
    state2[`${KSTACK}-web`].pending = true;
    writeFileSync(file, JSON.stringify(state2));
    const drained = await kstack.pctl(['deploy']);
    expect(drained.exitCode, drained.stderr).toBe(0);
    expect(await labelled('container', KSTACK)).toEqual([`${KSTACK}-web`]);
    for (let i = 0; i < 5; i++) expect(await askIn(KCLIENT)).toBe('v2');

    // Killed while the old container drains: the state already records the new version, so
    // the next deploy finds the service unchanged; the marker the killed run left makes it
    // sweep the stack anyway. The old one ignores SIGTERM, so its drain lasts its stop timeout.
    kstack.write(server('v3', { ignoreTerm: true }));
    const stubborn = await kstack.pctl(['deploy']);
    expect(stubborn.exitCode, stubborn.stderr).toBe(0);
    const entry = () => JSON.parse(kstack.read(`pctl.${KSTACK}.json`))[`${KSTACK}-web`];
    const v3 = entry().image;
    kstack.write(server('v4'));
    const cut = execa(process.execPath, [pctlBin, 'deploy'], {
      cwd: kstack.dir,
      reject: false,
      env: { NO_COLOR: '1' },
    });
    // The state is written once the handover is done, the drain goes on after it: kill in between.
    await until(
      'the new version recorded while the old one drains as .old',
      async () =>
        !entry().pending && entry().image !== v3 && (await labelled('container', KSTACK)).includes(`${KSTACK}-web.old`),
      { timeoutMs: 120_000 },
    );
    cut.kill('SIGKILL');
    await cut;
    expect(existsSync(kstack.path(`.pctl/${KSTACK}.draining`))).toBe(true);
    const swept = await kstack.pctl(['deploy']);
    expect(swept.exitCode, swept.stderr).toBe(0);
    expect(swept.stdout + swept.stderr).toMatch(/1 unchanged/);
    expect(await labelled('container', KSTACK)).toEqual([`${KSTACK}-web`]);
    expect(existsSync(kstack.path(`.pctl/${KSTACK}.draining`))).toBe(false);
    for (let i = 0; i < 5; i++) expect(await askIn(KCLIENT)).toBe('v4');
  }, 600_000);
});

// A published host port (two containers cannot bind one): a copy of the new version without
// the port passes the gate beside the old one, the final container starts on its hold
// network before the old one is stopped, and joins the stack's network on its `die`
// (portHandover.ts). A broken version fails as the copy: the old one is never stopped.
describe('start-first with a published host port', () => {
  const PSTACK = 'safe-zdp';
  const pstack = useStack({ prefix: 'safe-zdp-' });
  afterAll(async () => {
    await removeStack(PSTACK);
  });

  it('replaces the port holder, keeps the old one on a broken version, and brings it back when the final one fails', async () => {
    await removeStack(PSTACK);
    const port = await freePort();
    const pfile = stackFile
      .replace(`name: ${STACK}`, `name: ${PSTACK}`)
      .replace('    provider:', `    ports: ["127.0.0.1:${port}:8080"]\n    provider:`);
    pstack.write({ 'pctl.yaml': pfile, ...server('v1') });
    expect((await pstack.pctl(['deploy'])).exitCode).toBe(0);
    expect(await hostAnswer(port)).toBe('v1');
    const v1 = await docker(['inspect', '-f', '{{.Id}}', `${PSTACK}-web`]);
    pstack.write(server('v2'));
    const since = Date.now() / 1000;
    const r = await pstack.pctl(['deploy']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await hostAnswer(port)).toBe('v2');
    expect(await labelled('container', PSTACK)).toEqual([`${PSTACK}-web`]);
    expect(await labelled('network', PSTACK)).toEqual([`pctl-${PSTACK}`]);
    // The order the engine saw: the copy started, then the final one was created and
    // started, all before the old one was told to stop; the old one went only after.
    const seen = await stackEvents(PSTACK, since);
    const at = (action: string, name: string, id?: string) =>
      seen.findIndex((e) => e.action === action && e.name === name && (!id || e.id === id));
    const oldKill = at('kill', `${PSTACK}-web`, v1);
    expect(oldKill, JSON.stringify(seen)).toBeGreaterThan(-1);
    expect(at('start', `${PSTACK}-web.proof`)).toBeGreaterThan(-1);
    expect(at('start', `${PSTACK}-web.proof`)).toBeLessThan(oldKill);
    expect(at('create', `${PSTACK}-web.next`)).toBeLessThan(oldKill);
    expect(at('start', `${PSTACK}-web.next`)).toBeGreaterThan(-1);
    expect(at('start', `${PSTACK}-web.next`)).toBeLessThan(oldKill);
    expect(at('destroy', `${PSTACK}-web`, v1)).toBeGreaterThan(oldKill);

    const v2 = await docker(['inspect', '-f', '{{.Id}} {{.State.StartedAt}}', `${PSTACK}-web`]);
    pstack.write({ 'web/Dockerfile': 'FROM busybox:latest\nCMD ["sh", "-c", "echo cannot start >&2; exit 4"]\n' });
    const brokenSince = Date.now() / 1000;
    const broken = await pstack.pctl(['deploy']);
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toMatch(/exited with code 4.*cannot start/);
    expect(await labelled('container', PSTACK)).toEqual([`${PSTACK}-web`]);
    // The broken version failed as the copy without the port: the old one was never stopped.
    expect(await docker(['inspect', '-f', '{{.Id}} {{.State.StartedAt}}', `${PSTACK}-web`])).toBe(v2);
    expect(
      (await stackEvents(PSTACK, brokenSince)).filter((e) => e.action === 'kill' && e.name === `${PSTACK}-web`),
    ).toEqual([]);
    expect(await hostAnswer(port)).toBe('v2');

    // A version that passes as the copy but fails as the final container (the copy leaves a
    // mark in the service's volume, and a second container of the version exits on it): the
    // final one goes, and the old one, stopped for it, is started again on the port.
    pstack.write({
      'pctl.yaml': pfile.replace('    provider:', '    volumes: [{ path: /data }]\n    provider:'),
      'web/Dockerfile':
        'FROM busybox:latest\nCOPY index.html /w/index.html\nCMD ["sh", "-c", "test -e /data/v3 && { echo second container >&2; exit 6; }; touch /data/v3; exec httpd -f -p 8080 -h /w"]\n',
      'web/index.html': 'v3\n',
    });
    const late = await pstack.pctl(['deploy']);
    expect(late.exitCode).toBe(1);
    expect(late.stderr).toMatch(/exited with code 6.*second container/);
    expect(await labelled('container', PSTACK)).toEqual([`${PSTACK}-web`]);
    expect(await labelled('network', PSTACK)).toEqual([`pctl-${PSTACK}`]);
    expect(
      await until(
        'the old version on the host port again',
        async () => (await hostAnswer(port).catch(() => '')) === 'v2',
      ),
    ).toBe(true);
  }, 300_000);
});

// The stack's container events since `since` (seconds), in the engine's order.
async function stackEvents(stack: string, since: number): Promise<{ action: string; name: string; id: string }[]> {
  const out = await docker([
    'events',
    '--since',
    since.toFixed(3),
    '--until',
    (Date.now() / 1000 + 1).toFixed(3),
    '--filter',
    `label=pctl-stack=${stack}`,
    '--filter',
    'type=container',
    '--format',
    '{{json .}}',
  ]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { Action: string; id: string; Actor: { Attributes: { name: string } } })
    .map((e) => ({ action: e.Action, name: e.Actor.Attributes.name, id: e.id }));
}

// A port no process listens on now.
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((res) => server.close(res));
  return port;
}

// The body's last line of GET / on a host port.
async function hostAnswer(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  return (await res.text()).trim().split('\n').at(-1) ?? '';
}

// Replicas in batches: the new names replace the old ones (one container becoming three
// and three becoming two), every container of the service at the new version after each run.
describe('start-first replicas in batches', () => {
  const BSTACK = 'safe-zdb';
  const bstack = useStack({ prefix: 'safe-zdb-' });
  afterAll(async () => {
    await removeStack(BSTACK);
  });
  const versions = async () => {
    const names = await labelled('container', BSTACK);
    return Object.fromEntries(
      await Promise.all(names.map(async (n) => [n, await docker(['exec', n, 'cat', '/w/index.html'])])),
    );
  };

  it('goes from one container to three (batch 2) and back to two, gated batch by batch', async () => {
    await removeStack(BSTACK);
    const file = (replica: number) =>
      stackFile
        .replace(`name: ${STACK}`, `name: ${BSTACK}`)
        .replace('    provider:', `    scale: { replica: ${replica} }\n    rollout: { batch: 2 }\n    provider:`);
    bstack.write({ 'pctl.yaml': file(1), ...server('v1') });
    expect((await bstack.pctl(['deploy'])).exitCode).toBe(0);
    expect(await versions()).toEqual({ [`${BSTACK}-web`]: 'v1' });

    bstack.write({ 'pctl.yaml': file(3), ...server('v2') });
    const three = await bstack.pctl(['deploy']);
    expect(three.exitCode, three.stderr).toBe(0);
    expect(await versions()).toEqual({
      [`${BSTACK}-web-1`]: 'v2',
      [`${BSTACK}-web-2`]: 'v2',
      [`${BSTACK}-web-3`]: 'v2',
    });

    bstack.write({ 'pctl.yaml': file(2), ...server('v3') });
    const two = await bstack.pctl(['deploy']);
    expect(two.exitCode, two.stderr).toBe(0);
    expect(await versions()).toEqual({ [`${BSTACK}-web-1`]: 'v3', [`${BSTACK}-web-2`]: 'v3' });
  }, 600_000);
});
