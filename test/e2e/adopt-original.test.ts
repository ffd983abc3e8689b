// The first deploy after migrating, on the real Docker engine: what the original pctl left
// (an image built the way it builds, `pctl-local:<n>`; containers with its names and labels;
// its state file, whose fingerprints are computed here from its Providers API text, not by
// pctl's code) is adopted when it provably runs what pctl would run, and deployed again when
// anything differs.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctl, repoRoot, tempDir, writeTree } from '../helpers/cli.js';
import { containerIds, docker, labelled, removeStack, requireDocker } from '../helpers/docker.js';
import { originalFingerprint } from '../helpers/original.js';
import { until } from '../helpers/until.js';

const RUN = `${process.pid}${Date.now().toString(36).slice(-4)}`;
const DOCKERFILE =
  'FROM busybox:latest\nCOPY web/index.html /www/index.html\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n';
type Service = Record<string, unknown> & {
  image: string;
  command?: string;
  env?: Record<string, string>;
  ports?: string[];
  scale?: { replica: number };
  volumes?: { path: string }[];
  health?: { interval: number; command: string; retries: number; onfailure: string };
};

// Waits until every container of the service reports healthy (the health check has run).
async function healthy(stack: string, key: string): Promise<void> {
  let states = '';
  const allHealthy = async () => {
    states = await docker([
      'ps',
      '-a',
      '--filter',
      `label=pctl-stack=${stack}`,
      '--filter',
      `label=pctl-service=${key}`,
      '--format',
      '{{.Status}}',
    ]);
    return states !== '' && states.split('\n').every((l) => l.includes('(healthy)'));
  };
  await until(`every container of ${key} to be healthy`, allHealthy, {
    timeoutMs: 60_000,
    intervalMs: 200,
    detail: () => `last status: ${states}`,
  });
}

interface Original {
  stack: string;
  dir: string;
  images: string[];
  cleanup: () => Promise<void>;
}

// What the original pctl leaves after `deploy`: per service, the image it built (`docker
// build -f <Dockerfile> <stack file's folder>`, tagged pctl-local:<n>), a container named
// `<stack>-<service>` with its labels, env as -e, ports as -p, `sh -c <command>`, restart
// unless-stopped (on no network of pctl's), and its state file. `running` overrides what the
// containers get (to run something else than the stack file says).
async function leaveOriginal(
  stack: string,
  services: Record<string, Service>,
  running: Record<string, Partial<Service>> = {},
): Promise<Original> {
  const tmp = tempDir('pctl-adopt-');
  writeTree(tmp.dir, {
    'web/Dockerfile': DOCKERFILE,
    'web/index.html': 'served by the original\n',
    'notes.txt': 'not copied by the Dockerfile\n',
  });
  // JSON is YAML: the stack file is exactly the services the fingerprints cover.
  writeFileSync(path.join(tmp.dir, 'pctl.yaml'), JSON.stringify({ name: stack, services }, null, 2));
  const state: Record<string, unknown> = {};
  const images: string[] = [];
  for (const [i, [name, svc]] of Object.entries(services).entries()) {
    let image = svc.image;
    if (image.startsWith('./')) {
      image = `pctl-local:${Date.now()}${i}${RUN}`;
      await docker(['build', '-q', '-t', image, '-f', path.resolve(tmp.dir, svc.image), tmp.dir]);
      images.push(image);
    }
    const run = { ...svc, ...running[name] };
    const full = `${stack}-${name}`;
    const labels = { 'managed-by': 'pctl', 'pctl-stack': stack, 'pctl-service': full };
    const replica = run.scale?.replica ?? 1;
    for (let n = 1; n <= replica; n++) {
      await docker([
        'run',
        '-d',
        '--name',
        replica > 1 ? `${full}-${n}` : full,
        ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
        ...Object.entries(run.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
        ...(run.ports ?? []).flatMap((p) => ['-p', p]),
        // Every volume of a service is its one named volume `<stack>-<service>-storage`.
        ...(run.volumes ?? []).flatMap((v) => ['-v', `${full}-storage:${v.path}`]),
        ...(run.health
          ? [
              '--health-cmd',
              run.health.command,
              '--health-interval',
              `${run.health.interval}s`,
              '--health-retries',
              String(run.health.retries),
            ]
          : []),
        '--restart',
        run.health?.onfailure === 'stop' ? 'no' : 'unless-stopped',
        image,
        ...(run.command ? ['sh', '-c', run.command] : []),
      ]);
    }
    if (run.health) await healthy(stack, full);
    state[full] = {
      provider: 'docker',
      host: 'local',
      image,
      labels,
      fingerprint: originalFingerprint(svc, tmp.dir),
      replica,
      hasPorts: Boolean(svc.ports?.length),
      pushedByPctl: svc.image.startsWith('./'),
    };
  }
  writeFileSync(path.join(tmp.dir, `pctl.${stack}.json`), JSON.stringify(state, null, 2));
  return {
    stack,
    dir: tmp.dir,
    images,
    cleanup: async () => {
      await pctl(['destroy'], { cwd: tmp.dir });
      await removeStack(stack);
      for (const i of images) await execa('docker', ['rmi', '-f', i], { reject: false });
      tmp.cleanup();
    },
  };
}

interface Outcome {
  key: string;
  action: string;
  reason: string;
  result: string;
}
const validate = new Ajv({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(path.join(repoRoot, 'schemas/pctl-output.schema.json'), 'utf8')),
);
// The one --json document (valid against the published schema: it knows adopt and adopted).
async function json(args: string[], cwd: string): Promise<{ exitCode: number; services: Outcome[]; stderr: string }> {
  const r = await pctl([...args, '--json'], { cwd });
  const doc = JSON.parse(r.stdout) as { services?: Outcome[] };
  expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  return { exitCode: r.exitCode, services: doc.services ?? [], stderr: r.stderr };
}
const byKey = (services: Outcome[]) => Object.fromEntries(services.map((s) => [s.key, s]));
const state = (o: Original) =>
  JSON.parse(readFileSync(path.join(o.dir, `pctl.${o.stack}.json`), 'utf8')) as Record<string, Record<string, unknown>>;
const imageGone = async (ref: string) =>
  (await execa('docker', ['image', 'inspect', ref], { reject: false })).exitCode !== 0;

beforeAll(requireDocker);

describe('adopting what the original pctl runs', () => {
  const stack = `adopt-${RUN}`;
  let o: Original;
  beforeAll(async () => {
    o = await leaveOriginal(stack, {
      web: { image: './web/Dockerfile', env: { GREETING: 'hello' }, ports: ['19471:80'], provider: { name: 'docker' } },
      cache: {
        image: 'busybox:latest',
        command: 'sleep 3600',
        volumes: [{ path: '/data' }],
        health: { interval: 1, command: 'test -d /data', retries: 3, onfailure: 'restart' },
        provider: { name: 'docker' },
      },
      workers: { image: 'busybox:latest', command: 'sleep 3600', scale: { replica: 2 }, provider: { name: 'docker' } },
    });
  });
  afterAll(async () => o?.cleanup());

  it('plans update, saying why, when no engine answers', async () => {
    const r = await pctl(['plan', '--json'], {
      cwd: o.dir,
      env: { DOCKER_HOST: `unix://${path.join(o.dir, 'no-engine.sock')}` },
    });
    expect(r.exitCode).toBe(0);
    const services = (JSON.parse(r.stdout) as { services: Outcome[] }).services;
    expect(services.map((s) => [s.action, s.reason.replace(/\(.*/, '')])).toEqual(
      Array(3).fill(['update', 'written by the original pctl; what runs could not be checked ']),
    );
  });

  it('plans adopt, keeps the containers, records its own entries, then does nothing, and destroy removes everything', async () => {
    const plan = await json(['plan'], o.dir);
    expect(plan.exitCode).toBe(0);
    expect(byKey(plan.services)[`${stack}-web`]).toMatchObject({ action: 'adopt' });
    expect(byKey(plan.services)[`${stack}-cache`]).toMatchObject({ action: 'adopt' });
    expect(byKey(plan.services)[`${stack}-workers`]).toMatchObject({ action: 'adopt' });

    const before = await containerIds(stack);
    const first = await json(['deploy'], o.dir);
    expect(first.stderr).not.toMatch(/^error/m);
    expect(first.exitCode).toBe(0);
    expect(first.services.map((s) => [s.key, s.action, s.result]).sort()).toEqual([
      [`${stack}-cache`, 'adopt', 'adopted'],
      [`${stack}-web`, 'adopt', 'adopted'],
      [`${stack}-workers`, 'adopt', 'adopted'],
    ]);
    expect(await containerIds(stack)).toEqual(before);
    // Joined the stack's network in place: other services reach it by name.
    const [info] = JSON.parse(await docker(['inspect', `${stack}-web`])) as {
      NetworkSettings: { Networks: Record<string, { Aliases: string[] }> };
    }[];
    expect(info!.NetworkSettings.Networks[`pctl-${stack}`]?.Aliases).toContain('web');
    expect(await (await fetch('http://127.0.0.1:19471/')).text()).toBe('served by the original\n');

    const entries = state(o);
    const web = entries[`${stack}-web`]!;
    expect(web.image).toMatch(new RegExp(`^pctl-${stack}-web:[0-9a-f]{12}$`));
    expect(web).toMatchObject({
      provider: 'docker',
      builtByPctl: true,
      originalImage: o.images[0],
      containers: [`${stack}-web`],
      replica: 1,
    });
    expect(typeof web.configHash).toBe('string');
    expect(web.fingerprint).not.toBe(
      originalFingerprint(
        { image: './web/Dockerfile', env: { GREETING: 'hello' }, ports: ['19471:80'], provider: { name: 'docker' } },
        o.dir,
      ),
    );
    expect(entries[`${stack}-cache`]).toMatchObject({
      image: 'busybox:latest',
      builtByPctl: false,
      volumes: [`${stack}-cache-storage`],
    });
    expect(entries[`${stack}-workers`]).toMatchObject({
      containers: [`${stack}-workers-1`, `${stack}-workers-2`],
      replica: 2,
    });

    const second = await json(['deploy'], o.dir);
    expect(second.exitCode).toBe(0);
    expect(second.services.map((s) => s.result)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(await containerIds(stack)).toEqual(before);

    // The original's unlabelled volume is recorded as adopted: a changed cache is redeployed
    // onto it (its data kept), and destroy removes it, proven by the mounts of its containers.
    expect(state(o)[`${stack}-cache`]!.adoptedVolumes).toEqual([`${stack}-cache-storage`]);
    await docker(['exec', `${stack}-cache`, 'sh', '-c', 'echo kept > /data/file']);
    const file = path.join(o.dir, 'pctl.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('"command": "test -d /data"', '"command": "test -f /data/file"'),
    );
    const third = await json(['deploy'], o.dir);
    expect(third.exitCode, third.stderr).toBe(0);
    expect(byKey(third.services)[`${stack}-cache`]).toMatchObject({ result: 'deployed' });
    expect(await docker(['exec', `${stack}-cache`, 'cat', '/data/file'])).toBe('kept');
    expect(state(o)[`${stack}-cache`]!.adoptedVolumes).toEqual([`${stack}-cache-storage`]);

    const d = await pctl(['destroy'], { cwd: o.dir });
    expect(d.exitCode).toBe(0);
    expect(await labelled('container', stack)).toEqual([]);
    expect(await labelled('network', stack)).toEqual([]);
    // The original's volume carried no label: it goes as the entry's adopted volume its containers mounted.
    expect(await docker(['volume', 'ls', '-q', '--filter', `name=^${stack}-cache-storage$`])).toBe('');
    expect(await imageGone(o.images[0]!)).toBe(true);
    expect(await imageGone(String(web.image))).toBe(true);
  });
});

describe('what differs is deployed again, with the reason', () => {
  const web = (env = 'hello'): Service => ({
    image: './web/Dockerfile',
    env: { GREETING: env },
    provider: { name: 'docker' },
  });
  // `planned`: what plan says before the deploy (it cannot know the layers before the build).
  const cases: {
    name: string;
    services: Record<string, Service>;
    running?: Record<string, Partial<Service>>;
    change?: (o: Original) => Promise<void>;
    reason: RegExp;
    planned: RegExp;
  }[] = [
    {
      name: 'a changed context file (not the Dockerfile)',
      services: { web: web() },
      change: async (o) => writeFileSync(path.join(o.dir, 'web/index.html'), 'changed after the original deployed\n'),
      reason: /not adopted: the image built now .* has other filesystem layers/,
      planned: /unchanged since; kept if the image built now has the filesystem layers/,
    },
    {
      name: 'a stopped container',
      services: { web: web() },
      change: async (o) => void (await docker(['stop', '-t', '1', `${o.stack}-web`])),
      reason: /not adopted: container .*-web is exited/,
      planned: /not adopted: container .*-web is exited/,
    },
    {
      name: 'an env changed in the stack file',
      services: { web: web() },
      change: async (o) =>
        writeFileSync(path.join(o.dir, 'pctl.yaml'), JSON.stringify({ name: o.stack, services: { web: web('bye') } })),
      reason: /original pctl; the service or its Dockerfile changed since/,
      planned: /original pctl; the service or its Dockerfile changed since/,
    },
    {
      name: 'a container running another env than its definition',
      services: {
        box: {
          image: 'busybox:latest',
          command: 'sleep 3600',
          env: { GREETING: 'hello' },
          provider: { name: 'docker' },
        },
      },
      running: { box: { env: { GREETING: 'other' } } },
      reason: /not adopted: container .*-box: its environment differs in GREETING/,
      planned: /not adopted: container .*-box: its environment differs in GREETING/,
    },
  ];
  for (const [i, c] of cases.entries()) {
    it(c.name, async () => {
      const o = await leaveOriginal(`adopt-no${i}-${RUN}`, c.services, c.running);
      try {
        await c.change?.(o);
        const key = `${o.stack}-${Object.keys(c.services)[0]}`;
        const before = (await containerIds(o.stack))[key];
        const plan = await json(['plan'], o.dir);
        expect(plan.services).toEqual([expect.objectContaining({ key, reason: expect.stringMatching(c.planned) })]);
        const r = await json(['deploy'], o.dir);
        expect(r.stderr).not.toMatch(/^error/m);
        expect(r.exitCode).toBe(0);
        expect(r.services).toEqual([
          expect.objectContaining({
            key,
            action: 'update',
            result: 'deployed',
            reason: expect.stringMatching(c.reason),
          }),
        ]);
        const after = await containerIds(o.stack);
        expect(Object.values(after)).toHaveLength(1);
        expect(Object.values(after)[0]).not.toBe(before);
        expect(state(o)[key]).toMatchObject({ provider: 'docker' });
        expect(typeof state(o)[key]!.configHash).toBe('string');
        // The image the original built for it goes once nothing runs it.
        for (const img of o.images) expect(await imageGone(img)).toBe(true);
      } finally {
        await o.cleanup();
      }
    });
  }
});
