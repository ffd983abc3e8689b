// The docker provider on a remote host over SSH, for real: a real sshd on 127.0.0.1 (its
// own host key, authorized key and port), whose sessions talk to a second private Docker
// engine. pctl reaches it over one ssh connection forwarding the engine's socket. The image
// is built on the shared engine and, with no registry, streamed from it to the remote
// engine (GET /images/get into POST /images/load); the container then runs there.
import { execa } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctl, pctlWatchingArgv, tempDir, writeTree } from '../helpers/cli.js';
import { requireDocker } from '../helpers/docker.js';
import { testEngine, type TestEngine } from '../helpers/engine.js';
import { freePort, startSshd, type TestSshd } from '../helpers/sshd.js';
import { until } from '../helpers/until.js';

const STACK = 'sshremote';
let tmp: ReturnType<typeof tempDir>;
let dir: string;
let engine: TestEngine;
let sshd: TestSshd | undefined;
let sshPort: number;
let httpPort: number;
let key: string;

const stateFile = () => path.join(dir, `pctl.${STACK}.json`);
const state = () => JSON.parse(readFileSync(stateFile(), 'utf8'));
const results = (stdout: string) =>
  Object.fromEntries(JSON.parse(stdout).services.map((s: { key: string; result: string }) => [s.key, s.result]));
// A secret for the remote container: it must reach it without sitting on any command line.
const TOKEN = `ssh-remote-token-${process.pid}-Zq8`;
const run = (args: string[]) => pctl([...args, '--name', STACK], { cwd: dir, env: { SSH_REMOTE_TOKEN: TOKEN } });

async function onRemote(args: string[]): Promise<string> {
  const r = await execa('docker', args, { env: { DOCKER_HOST: engine.host } });
  return String(r.stdout).trim();
}
const remoteContainers = async () =>
  (
    await onRemote([
      'ps',
      '-a',
      '--filter',
      'label=managed-by=pctl',
      '--filter',
      `label=pctl-stack=${STACK}`,
      '--format',
      '{{.Names}}',
    ])
  )
    .split('\n')
    .filter(Boolean)
    .sort();

const yaml = (options: string, page = 'hello over ssh') => ({
  'pctl.yaml': `name: ${STACK}
services:
  web:
    image: ./web
    command: httpd -f -p 8080 -h /www
    env: { TOKEN: "\${env:SSH_REMOTE_TOKEN}", PLAIN: "a value; with 'quotes' and \\"more\\"" }
    ports: ["${httpPort}:8080"]
    provider:
      name: docker
      options: ${options}
`,
  'web/Dockerfile': 'FROM busybox:latest\nCOPY index.html /www/index.html\n',
  'web/index.html': page,
});
const remoteOptions = () => `{ host: 127.0.0.1, user: root, key: ${key}, port: ${sshPort}, timeout: 60 }`;

beforeAll(async () => {
  await requireDocker();
  tmp = tempDir();
  dir = path.join(tmp.dir, 'stack');
  mkdirSync(path.join(tmp.dir, 'ssh'), { recursive: true });
  engine = testEngine(path.join(tmp.dir, 'engine'), '10.232.0.0/16');
  await engine.start();
  httpPort = await freePort();
  sshd = await startSshd(path.join(tmp.dir, 'ssh'), engine.host);
  sshPort = sshd.port;
  key = sshd.key;
  // The remote really is reachable with the test's key and sees the second engine.
  const probe = await execa(
    'ssh',
    [
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-i',
      key,
      '-p',
      String(sshPort),
      '-l',
      'root',
      '127.0.0.1',
      'docker',
      'info',
      '--format',
      '{{.DockerRootDir}}',
    ],
    { reject: false },
  );
  if (probe.exitCode !== 0) throw new Error(`ssh to the test sshd failed: ${probe.stderr}\nsshd log:\n${sshd?.log()}`);
  expect(String(probe.stdout).trim()).toBe(path.join(tmp.dir, 'engine', 'data'));
  writeTree(dir, yaml(remoteOptions()));
}, 180_000);

afterAll(async () => {
  // The local engine keeps the image pctl built; remove it (the remote engine goes entirely).
  for (const ref of (
    await execa('docker', ['images', '--filter', `reference=pctl-${STACK}-*`, '--format', '{{.Repository}}:{{.Tag}}'], {
      reject: false,
    })
  ).stdout
    .split('\n')
    .filter(Boolean)) {
    await execa('docker', ['rmi', '-f', ref], { reject: false });
  }
  await sshd?.stop();
  await engine?.cleanup();
  tmp?.cleanup();
}, 120_000);

describe('docker provider on a remote host over ssh', () => {
  it('streams the image from the local engine to the remote one over the ssh forward and runs the container there', async () => {
    const r = await pctlWatchingArgv(
      ['deploy', '--json', '--verbose', '--name', STACK],
      { cwd: dir, env: { SSH_REMOTE_TOKEN: TOKEN } },
      TOKEN,
    );
    if (r.exitCode !== 0) console.error(r.stderr, '\nsshd log:\n', sshd?.log());
    // The values went in the create request's body through the forward: no ssh argv carried them.
    expect(r.argvLeak).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${STACK}-web`]: 'deployed' });
    const ref = state()[`${STACK}-web`].image as string;
    expect(ref).toMatch(new RegExp(`^pctl-${STACK}-web:[0-9a-f]{12}$`));
    // No registry: the image went through ssh as a stream.
    expect(r.stderr).toContain(`sending ${ref} to 127.0.0.1 (GET /images/get | POST /images/load)`);
    expect(r.stderr).toContain(`> GET /images/${ref}/get`);
    expect(r.stderr).toContain('> POST /images/load (on 127.0.0.1)');
    // One ssh connection (the control master) carried every call: no docker command ran over ssh.
    expect(r.stderr).toMatch(new RegExp(`\\$ ssh -N -n -M .*-p ${sshPort} -- 127\\.0\\.0\\.1`));
    expect(r.stderr).not.toMatch(/\$ ssh .*-- 127\.0\.0\.1 .*docker (run|inspect|load|ps)/);
    expect(await onRemote(['image', 'inspect', '--format', '{{.Id}}', ref])).toMatch(/^sha256:/);
    // The container runs on the remote engine, labelled, and answers on the published port.
    expect(await remoteContainers()).toEqual([`${STACK}-web`]);
    const labels = JSON.parse(await onRemote(['inspect', '--format', '{{json .Config.Labels}}', `${STACK}-web`]));
    expect(labels).toMatchObject({ 'managed-by': 'pctl', 'pctl-stack': STACK, 'pctl-service': `${STACK}-web` });
    expect(await onRemote(['inspect', '--format', '{{.State.Running}}', `${STACK}-web`])).toBe('true');
    const remoteEnv = JSON.parse(
      await onRemote(['inspect', '--format', '{{json .Config.Env}}', `${STACK}-web`]),
    ) as string[];
    expect(remoteEnv).toContain(`TOKEN=${TOKEN}`);
    expect(remoteEnv).toContain(`PLAIN=a value; with 'quotes' and "more"`);
    expect(await (await fetch(`http://127.0.0.1:${httpPort}/`)).text()).toBe('hello over ssh');
    // Nothing of it on the shared engine but the built image.
    expect(
      (
        await execa('docker', ['ps', '-a', '--filter', `label=pctl-stack=${STACK}`, '--format', '{{.Names}}'])
      ).stdout.trim(),
    ).toBe('');
    expect(state()[`${STACK}-web`]).toMatchObject({
      provider: 'docker',
      host: '127.0.0.1',
      user: 'root',
      sshKey: key,
      sshPort,
      hasPorts: true,
    });
  });

  it('skips a second deploy with no change, sending nothing', async () => {
    const before = await onRemote(['inspect', '--format', '{{.Id}}', `${STACK}-web`]);
    const r = await run(['deploy', '--json', '--verbose']);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${STACK}-web`]: 'skipped' });
    expect(r.stderr).toContain(`${STACK}-web unchanged, skipping`);
    expect(r.stderr).not.toContain('/images/load');
    expect(await onRemote(['inspect', '--format', '{{.Id}}', `${STACK}-web`])).toBe(before);
  });

  it('shows the remote container in status, reached over ssh as deployed', async () => {
    const r = await run(['status', '--json']);
    expect(r.exitCode).toBe(0);
    const row = JSON.parse(r.stdout).status.find((x: { key: string }) => x.key === `${STACK}-web`);
    expect(row.live.state).toBe('running');
    expect(row.live.resources.map((x: { name: string }) => x.name)).toEqual([`${STACK}-web`]);
    // The local engine has no such container: status really asked the remote one.
    expect((await execa('docker', ['ps', '-q', '--filter', `name=^${STACK}-web$`])).stdout.trim()).toBe('');
  });

  it('syncs a changed file into the remote container through the same ssh connection', async () => {
    writeFileSync(path.join(dir, 'web/index.html'), 'synced over ssh');
    const r = await run(['sync', 'web', '--once', '--json', '--verbose']);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(
      JSON.parse(r.stdout).rounds.map((x: { key: string; containers: string[] }) => [x.key, x.containers]),
    ).toEqual([[`${STACK}-web`, [`${STACK}-web`]]]);
    // The files went in as a tar stream to the remote engine's API; no docker command ran over ssh.
    expect(r.stderr).toContain(`> PUT /containers/${STACK}-web/archive?path=`);
    expect(r.stderr).not.toMatch(/\$ ssh .*-- 127\.0\.0\.1 .*docker/);
    expect(await onRemote(['exec', `${STACK}-web`, 'cat', '/www/index.html'])).toBe('synced over ssh');
    expect(await (await fetch(`http://127.0.0.1:${httpPort}/`)).text()).toBe('synced over ssh');
    // The container kept running: synced, not redeployed.
    expect(await onRemote(['inspect', '--format', '{{.State.Running}}', `${STACK}-web`])).toBe('true');
  });

  it('replaces the container start-first on the remote engine, and brings the old one back when the new one fails', async () => {
    const page = async () =>
      await fetch(`http://127.0.0.1:${httpPort}/`).then(
        (r) => r.text(),
        () => '',
      );
    writeFileSync(path.join(dir, 'web/index.html'), 'second version');
    const r = await run(['deploy', '--verbose']);
    expect(r.exitCode, r.stderr).toBe(0);
    // The replacement was made beside the old one, under its temporary name, on the remote engine.
    expect(r.stderr).toContain(`> POST /containers/create?name=${STACK}-web.next (on 127.0.0.1)`);
    expect(await remoteContainers()).toEqual([`${STACK}-web`]);
    expect(await until('the new version on the published port', async () => (await page()) === 'second version')).toBe(
      true,
    );

    const dockerfile = readFileSync(path.join(dir, 'web/Dockerfile'), 'utf8');
    writeFileSync(
      path.join(dir, 'web/Dockerfile'),
      `${dockerfile}ENTRYPOINT ["sh", "-c", "echo broken version >&2; exit 5"]\n`,
    );
    const broken = await run(['deploy']);
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toMatch(/exited with code 5.*broken version/);
    expect(await remoteContainers()).toEqual([`${STACK}-web`]);
    expect(
      await until('the old version back on the published port', async () => (await page()) === 'second version'),
    ).toBe(true);
    writeFileSync(path.join(dir, 'web/Dockerfile'), dockerfile);
  }, 300_000);

  it('rolls back to the first release on the remote engine: nothing built or sent, recorded as a new release', async () => {
    const releases = async () => {
      const h = await run(['history', 'web', '--json']);
      expect(h.exitCode, h.stderr).toBe(0);
      return (
        JSON.parse(h.stdout).history[0].releases as {
          number: number;
          image: string;
          current: boolean;
          rollbackOf?: number;
        }[]
      ).map((x) => [x.number, x.image, x.current, x.rollbackOf]);
    };
    // Two deploys made releases (the sync and the broken deploy did not).
    const before = await releases();
    expect(before.map(([n, , current]) => [n, current])).toEqual([
      [1, false],
      [2, true],
    ]);
    const first = before[0]![1] as string;
    // Release 1's image is kept on the remote engine for this, though nothing runs it.
    expect(await onRemote(['image', 'inspect', '--format', '{{.Id}}', first])).toMatch(/^sha256:/);

    const r = await run(['rollback', 'web', '--verbose']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('POST /build');
    expect(r.stderr).not.toContain('/images/load');
    // Replaced start-first on the remote engine, as a deploy is.
    expect(r.stderr).toContain(`> POST /containers/create?name=${STACK}-web.next (on 127.0.0.1)`);
    expect(await remoteContainers()).toEqual([`${STACK}-web`]);
    expect(await onRemote(['inspect', '--format', '{{.Config.Image}}', `${STACK}-web`])).toBe(first);
    const page = () =>
      fetch(`http://127.0.0.1:${httpPort}/`).then(
        (x) => x.text(),
        () => '',
      );
    expect(await until('release 1 on the published port', async () => (await page()) === 'hello over ssh')).toBe(true);
    // The secret was resolved again for the rollback, and the state does not hold it.
    const remoteEnv = JSON.parse(
      await onRemote(['inspect', '--format', '{{json .Config.Env}}', `${STACK}-web`]),
    ) as string[];
    expect(remoteEnv).toContain(`TOKEN=${TOKEN}`);
    expect(readFileSync(stateFile(), 'utf8')).not.toContain(TOKEN);
    expect((await releases()).map(([n, image, current, of]) => [n, image === first, current, of])).toEqual([
      [1, true, false, undefined],
      [2, false, false, undefined],
      [3, true, true, 1],
    ]);
  }, 300_000);

  it('runs a job to completion on the remote engine before the service that depends on it, and pctl run there', async () => {
    const stackFile = readFileSync(path.join(dir, 'pctl.yaml'), 'utf8');
    // `history: 2`: the releases no longer kept lose their image on the remote engine too.
    const withJob = `history: 2\n${stackFile}`
      .replace('    ports:', '    dependsOn: [{ service: migrate, condition: completed }]\n    ports:')
      .concat(`  migrate:
    kind: job
    image: ./job
    command: sh -c 'echo "migrating on $(hostname) with $(cat /step)"; test "$(cat /step)" != broken'
    provider:
      name: docker
      options: ${remoteOptions()}
`);
    writeTree(dir, {
      'pctl.yaml': withJob,
      'job/Dockerfile': 'FROM busybox:latest\nCOPY step /step\n',
      'job/step': 'one',
    });
    const r = await run(['deploy', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${STACK}-web`]: 'deployed', [`${STACK}-migrate`]: 'deployed' });
    // The job ran to completion there, and its container is kept (exited 0).
    expect(await onRemote(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', `${STACK}-migrate`])).toBe(
      'exited 0',
    );
    expect(await onRemote(['logs', `${STACK}-migrate`])).toMatch(/^migrating on \S+ with one/);
    const jobEnd = Date.parse(await onRemote(['inspect', '--format', '{{.State.FinishedAt}}', `${STACK}-migrate`]));
    const webStart = Date.parse(await onRemote(['inspect', '--format', '{{.State.StartedAt}}', `${STACK}-web`]));
    expect(webStart).toBeGreaterThanOrEqual(jobEnd);
    expect(await onRemote(['inspect', '--format', '{{.State.Running}}', `${STACK}-web`])).toBe('true');
    // Releases 3 and 4 are kept: their images stay on the remote engine (3 runs release 1's);
    // release 2's is gone, and so is the broken version's (a failed deploy's image goes).
    const h = JSON.parse((await run(['history', 'web', '--json'])).stdout).history[0].releases as {
      number: number;
      image: string;
    }[];
    expect(h.map((x) => x.number)).toEqual([3, 4]);
    const remoteImages = async () =>
      (await onRemote(['images', '--filter', `reference=pctl-${STACK}-web`, '--format', '{{.Repository}}:{{.Tag}}']))
        .split('\n')
        .filter(Boolean)
        .sort();
    expect(await remoteImages()).toEqual(h.map((x) => x.image).sort());

    // A one-off from the service's image and env on the remote engine: output and exit code through, removed after.
    const one = await run(['run', 'web', '--', 'sh', '-c', 'printf "%s|" "$PLAIN"; cat /www/index.html; exit 7']);
    expect(one.exitCode, one.stderr).toBe(7);
    expect(one.stdout).toBe(`a value; with 'quotes' and "more"|second version`);
    expect(await remoteContainers()).toEqual([`${STACK}-migrate`, `${STACK}-web`]);
    expect((await execa('docker', ['ps', '-aq', '--filter', `label=pctl-stack=${STACK}`])).stdout.trim()).toBe('');
  }, 300_000);

  it('a failed job on the remote engine leaves its dependent as it was; its image goes once a fixed version ran', async () => {
    const migrateImages = async () =>
      (
        await onRemote([
          'images',
          '--filter',
          `reference=pctl-${STACK}-migrate`,
          '--format',
          '{{.Repository}}:{{.Tag}}',
        ])
      )
        .split('\n')
        .filter(Boolean)
        .sort();
    const web = await onRemote(['inspect', '--format', '{{.Id}}', `${STACK}-web`]);
    writeFileSync(path.join(dir, 'job/step'), 'broken');
    const failed = await run(['deploy']);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain(`${STACK}-migrate: job exited with code 1`);
    expect(failed.stderr).toMatch(/migrating on \S+ with broken/);
    expect(await onRemote(['inspect', '--format', '{{.Id}}', `${STACK}-web`])).toBe(web);
    // The failed job's container is kept (its logs), and with it the image it ran.
    const broken = await onRemote(['inspect', '--format', '{{.Config.Image}}', `${STACK}-migrate`]);
    expect(await migrateImages()).toContain(broken);

    writeFileSync(path.join(dir, 'job/step'), 'two');
    const fixed = await run(['deploy', '--json']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(results(fixed.stdout)[`${STACK}-migrate`]).toBe('deployed');
    expect(await onRemote(['logs', `${STACK}-migrate`])).toMatch(/with two/);
    // Kept: the images of the job's two releases (history: 2); the failed version's is gone.
    const releases = JSON.parse((await run(['history', 'migrate', '--json'])).stdout).history[0].releases as {
      image: string;
    }[];
    expect(releases).toHaveLength(2);
    expect(await migrateImages()).toEqual(releases.map((x) => x.image).sort());
    expect(await migrateImages()).not.toContain(broken);
  }, 300_000);

  it('destroys the container, volumes, network and image on the remote engine', async () => {
    const ref = state()[`${STACK}-web`].image as string;
    // A user's image on the remote engine under a name of pctl's: the tag of web's release 3
    // (kept for a rollback, not running) moved to it, and one of its own. Destroy leaves both.
    const releases = (service: string) =>
      JSON.parse(readFileSync(stateFile(), 'utf8'))[`${STACK}-${service}`].releases as { image: string }[];
    const retagged = releases('web')[0]!.image;
    expect(retagged).not.toBe(ref);
    const usersOwn = `pctl-${STACK}-web:users-own`;
    await execa('docker', ['import', '-', usersOwn], {
      env: { DOCKER_HOST: engine.host },
      input: Buffer.alloc(10240),
    });
    await onRemote(['tag', usersOwn, retagged]);
    const userImage = await onRemote(['image', 'inspect', '--format', '{{.Id}}', usersOwn]);
    const d = await run(['destroy']);
    expect(d.stderr).not.toMatch(/^error/m);
    expect(d.exitCode).toBe(0);
    expect(await remoteContainers()).toEqual([]);
    expect(await onRemote(['network', 'ls', '--filter', `label=pctl-stack=${STACK}`, '--format', '{{.Name}}'])).toBe(
      '',
    );
    expect(
      (await execa('docker', ['image', 'inspect', ref], { env: { DOCKER_HOST: engine.host }, reject: false })).exitCode,
    ).not.toBe(0);
    expect(state()[`${STACK}-web`].destroyed).toBe(true);
    expect(state()[`${STACK}-migrate`].destroyed).toBe(true);
    // The images kept for rollbacks went with the rest (migrate's release 1 is not the one
    // that ran); the user's stay, whatever their names.
    expect(
      (await onRemote(['images', '--filter', `reference=pctl-${STACK}-*`, '--format', '{{.Repository}}:{{.Tag}}']))
        .split('\n')
        .sort(),
    ).toEqual([retagged, usersOwn].sort());
    expect(await onRemote(['image', 'inspect', '--format', '{{.Id}}', retagged])).toBe(userImage);
    await onRemote(['rmi', retagged, usersOwn]);
  });

  it('fails with one clear line naming the host when nothing listens on the ssh port', async () => {
    const closed = await freePort();
    const other = path.join(tmp.dir, 'unreachable');
    writeTree(other, yaml(`{ host: 127.0.0.1, user: root, key: ${key}, port: ${closed} }`));
    const r = await pctl(['deploy', '--name', STACK], { cwd: other, env: { SSH_REMOTE_TOKEN: TOKEN } });
    expect(r.exitCode).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`cannot reach root@127.0.0.1:${closed} over ssh`);
    expect(errors[0]).toMatch(/Connection refused/);
    // ssh's "Connection refused" is not a Docker engine that does not answer.
    expect(r.stderr).not.toContain('no Docker engine answers');
    expect(r.stderr).not.toContain('/images/load');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
