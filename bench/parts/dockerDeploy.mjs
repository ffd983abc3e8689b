// pctl `deploy` and `destroy` of N busybox services next to plain docker commands doing the
// same work in the same run (bench/plainDocker.mjs), and the CPU time of pctl itself (its
// node process, and the processes it spawned) during its first deploys.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { median, pctl, run, runAsync, secs, time, timeAsync, uniqueName } from '../lib.mjs';
import { freePorts, writeStack } from '../dockerStack.mjs';
import { plainDeploy, plainDestroy } from '../plainDocker.mjs';

const comparisonNote = `**first deploy and destroy next to plain docker**: a stack of N busybox services, each
  built from its own Dockerfile in its own folder (\`image: ./svcN/Dockerfile\`, the stack
  folder as the context, as the original pctl lays stacks out), each publishing one port.
  pctl runs \`pctl deploy\` then \`pctl destroy\`, as a user would (a black box: whatever
  pctl does inside). The plain-docker side (\`bench/plainDocker.mjs\`) runs the docker
  commands a script would for the same work: a network, \`docker build\` 2 at a time
  without labels (the engine's own limit: the docker CLI here has no buildx, so this is the
  classic builder, for which a label is one more step; pctl builds with BuildKit and puts its
  labels in the image config), then,
  once every build is done (pctl too builds everything first), \`docker run -d\` 4 at a time
  with the names, labels, network alias, port and restart policy pctl gives its containers; then \`docker rm -f\`, \`docker rmi\` and the network,
  4 at a time. It does not wait for the containers to stay up; pctl does. Fairness: every
  side, every round, writes a fresh stack (new name, new nonce in every file), so neither
  finds an image or a build-cache step of its own or of the other side; the base image
  \`busybox:latest\` is present for both. Sides alternate which goes first from round to
  round. Each round checks that both sides left N running containers, and nothing labelled
  with their stack after destroy. The ratio is the median of the per-round ratios (both
  sides of a round run back to back, on the same load). pctl pays its start-up on every
  run (node loading pctl's modules, the stack file read and checked) where each docker CLI
  call is a small Go binary: the row "less its start-up" takes \`pctl --version\`, measured
  in the same run, off pctl's destroy, which leaves what both sides ask of the engine.`;

const cpuNote = `**CPU time of pctl**: the pctl process of each first deploy of the 30-service stack runs
  with \`node --import bench/cpuReport.mjs\`, which at exit reads its own user + sys time
  (\`process.resourceUsage()\`) and its waited-for children's (\`cutime\`, \`cstime\` in
  \`/proc/self/stat\`): the docker CLI processes and anything else pctl spawned. The
  engine's own CPU (dockerd, containerd, the builds) is in neither figure.`;

const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const roundsFor = (n) => Number(process.env.PCTL_BENCH_ROUNDS) || (n <= 10 ? 3 : 2);

// What is left of a stack on the engine: containers, images and networks with its label.
function leftovers(stack) {
  const q = (args) => spawnSync('docker', args, { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  const f = ['--filter', `label=pctl-stack=${stack}`];
  return {
    containers: q(['ps', '-aq', ...f]),
    images: q(['images', '-aq', ...f]),
    networks: q(['network', 'ls', '-q', ...f]),
  };
}
const running = (stack) =>
  spawnSync('docker', ['ps', '-q', '--filter', `label=pctl-stack=${stack}`, '--filter', 'status=running'], {
    encoding: 'utf8',
  })
    .stdout.split('\n')
    .filter(Boolean).length;
function removeAll(stack) {
  const left = leftovers(stack);
  if (left.containers.length) spawnSync('docker', ['rm', '-f', '-v', ...left.containers]);
  if (left.images.length) spawnSync('docker', ['rmi', '-f', ...new Set(left.images)]);
  for (const n of left.networks) spawnSync('docker', ['network', 'rm', n]);
}
function checkGone(stack, side) {
  const left = leftovers(stack);
  const n = left.containers.length + left.images.length + left.networks.length;
  if (n)
    throw new Error(
      `${side} destroy left ${left.containers.length} containers, ${left.images.length} images, ${left.networks.length} networks of ${stack}`,
    );
}

// One side of one round: deploy, check, destroy, check. Returns wall times (and CPU for pctl).
async function side(kind, { tmp, n, round, ports }) {
  const stack = uniqueName(`bench-n${n}-${kind}`);
  const s = writeStack({ dir: path.join(tmp, stack), stack, ports });
  try {
    let deploy;
    let destroy;
    let cpu;
    if (kind === 'plain') {
      deploy = await timeAsync(() => plainDeploy(s));
      if (running(stack) !== n) throw new Error(`plain docker: ${running(stack)} of ${n} containers running`);
      destroy = await timeAsync(() => plainDestroy(s));
    } else {
      const cpuFile = path.join(tmp, `${stack}.cpu.json`);
      const env = { ...process.env, PCTL_BENCH_CPU: cpuFile };
      const cpuReport = new URL('../cpuReport.mjs', import.meta.url).href;
      deploy = await timeAsync(() =>
        runAsync(process.execPath, ['--import', cpuReport, pctl, 'deploy'], { cwd: s.dir, env }),
      );
      const c = JSON.parse(readFileSync(cpuFile, 'utf8'));
      cpu = {
        user: c.userUs / 1000,
        sys: c.sysUs / 1000,
        childUser: (c.childUserTicks * 1000) / clockTicks,
        childSys: (c.childSysTicks * 1000) / clockTicks,
      };
      if (running(stack) !== n) throw new Error(`pctl: ${running(stack)} of ${n} containers running`);
      destroy = await timeAsync(() => runAsync(process.execPath, [pctl, 'destroy'], { cwd: s.dir }));
    }
    checkGone(stack, kind);
    process.stderr.write(`[bench] N=${n} round ${round} ${kind}: deploy ${secs(deploy)}, destroy ${secs(destroy)}\n`);
    return { deploy, destroy, cpu };
  } finally {
    removeAll(stack);
    rmSync(s.dir, { recursive: true, force: true });
  }
}

// The part for a stack of n services; with cpu, it also reports pctl's CPU time.
export function dockerPart(n, { cpu = false } = {}) {
  return {
    title: `pctl next to plain docker, ${n} services`,
    notes: cpu ? [comparisonNote, cpuNote] : [comparisonNote],
    measure: (tmp) => measure(tmp, n, cpu),
  };
}

async function measure(tmp, n, withCpu) {
  const have = spawnSync('docker', ['image', 'inspect', '--format', '{{.Id}}', 'busybox:latest'], { encoding: 'utf8' });
  if (have.status !== 0)
    throw new Error(
      `busybox:latest is not on the engine at ${process.env.DOCKER_HOST ?? 'the default socket'}: run \`npm run bench\` (or \`source scripts/ensure-docker.sh\`, which imports it)`,
    );
  const rounds = roundsFor(n);
  const ports = await freePorts(n);
  const per = { pctl: [], plain: [] };
  for (let r = 1; r <= rounds; r++) {
    for (const kind of r % 2 ? ['plain', 'pctl'] : ['pctl', 'plain'])
      per[kind].push(await side(kind, { tmp, n, round: r, ports }));
  }
  const med = (kind, key) => median(per[kind].map((x) => x[key]));
  const ratios = (key) => per.pctl.map((x, i) => x[key] / per.plain[i][key]);
  // The median ratio, and each round's when there are several (the machine is noisy).
  const ratio = (key) =>
    `${median(ratios(key)).toFixed(2)}× plain docker${
      rounds > 1
        ? ` (rounds: ${ratios(key)
            .map((x) => x.toFixed(2))
            .join(', ')})`
        : ''
    }`;
  const of = `median of ${rounds}`;
  // pctl's start-up (node, its modules, the command line): the part of every run that plain
  // docker's CLI does not pay, measured in the same run, so the remaining work compares too.
  const startup = time(() => run(process.execPath, [pctl, '--version']), 5);
  const work = per.pctl.map((x, i) => (x.destroy - startup) / per.plain[i].destroy);
  const rows = [
    [`first deploy, ${n} services: pctl`, secs(med('pctl', 'deploy')), `${of}; ${ratio('deploy')}; target 1.0×`],
    [
      `first deploy, ${n} services: plain docker`,
      secs(med('plain', 'deploy')),
      `${of}; builds 2 at a time, runs 4 at a time`,
    ],
    [`destroy, ${n} services: pctl`, secs(med('pctl', 'destroy')), `${of}; ${ratio('destroy')}; target 1.2×`],
    [`destroy, ${n} services: plain docker`, secs(med('plain', 'destroy')), `${of}; \`rm -f\`, \`rmi\`, 4 at a time`],
    [
      `destroy, ${n} services: pctl less its start-up`,
      secs(med('pctl', 'destroy') - startup),
      `${median(work).toFixed(2)}× plain docker; start-up (\`pctl --version\`, median of 5) ${secs(startup)}`,
    ],
  ];
  if (withCpu) {
    const cpu = (key) => median(per.pctl.map((x) => x.cpu[key]));
    const own = median(per.pctl.map((x) => x.cpu.user + x.cpu.sys));
    const kids = median(per.pctl.map((x) => x.cpu.childUser + x.cpu.childSys));
    rows.push(
      [
        `pctl CPU, first deploy of ${n} services: its node process`,
        secs(own),
        `${of}; user ${secs(cpu('user'))} + sys ${secs(cpu('sys'))}`,
      ],
      [
        'pctl CPU, same deploys: processes it spawned',
        secs(kids),
        `${of}; user ${secs(cpu('childUser'))} + sys ${secs(cpu('childSys'))} (docker CLI etc.; not the engine)`,
      ],
    );
  }
  return rows;
}
