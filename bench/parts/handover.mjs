// Start-first on Docker: a client container on the stack's network (the static client of
// test/fixtures/http-client, which tries every address as curl does) sends requests in a
// loop to a service's alias while it is redeployed with a new image ten times; the same
// with `strategy: stop-first` is the baseline. Then the gap on a published host port.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { median, ms, pctl, root, run, runAsync, timeAsync, uniqueName } from '../lib.mjs';

export const title = 'start-first redeploys on Docker';

export const notes = [
  `**start-first redeploys**: a busybox \`httpd\` service with a health check (every 1 s) is
  redeployed with a new image ten times while a client container on the stack's network
  sends requests to its alias in a loop (connecting as curl does: each address the name
  resolves to in turn); \`strategy: stop-first\` on the same stack, in the same run, is the
  baseline. "Handover" is a redeploy's wall time (build of a one-file image included).
  The host-port gap is the longest time without an answer on the published port during a
  redeploy, polled from the host every 5 ms (docs/using/docker.md, published host ports),
  cut at the engine's events of the stack: the old container's kill to its die (its
  server's SIGTERM handling and the engine's teardown), then its die to the new one's first
  answer (the new one, already running on its hold network, joins the stack's network,
  which binds the port); the load is the 1-minute load average as the redeploy began.`,
];

const REDEPLOYS = 10;
// A server that on SIGTERM stops listening, drains for `drain` seconds and exits.
const server = (v, drain = 0.5) =>
  `FROM busybox:latest\nCOPY index.html /w/index.html\nCMD ["sh", "-c", "httpd -f -p 8080 -h /w & p=$!; trap 'kill $p; ${drain ? `sleep ${drain}; ` : ''}exit 0' TERM; wait $p"]\n# ${v}\n`;
const stackYaml = (name, strategy, port) =>
  `name: ${name}\nservices:\n  web:\n    image: ./web\n    strategy: ${strategy}\n` +
  `    health: { command: "printf 'GET / HTTP/1.0\\\\r\\\\n\\\\r\\\\n' | nc -w 1 127.0.0.1 8080 | grep -q '^v'", interval: 1, retries: 2 }\n` +
  (port ? `    ports: ["127.0.0.1:${port}:8080"]\n` : '') +
  `    provider: { name: docker }\n`;
const docker = (args) => run('docker', args).stdout.trim();

export async function measure(tmp) {
  const client = path.join(tmp, 'client');
  run('gcc', ['-static', '-O2', '-o', client, path.join(root, 'test/fixtures/http-client/client.c')]);
  const rows = [];
  const results = {};
  for (const strategy of ['start-first', 'stop-first']) results[strategy] = await redeployLoop(tmp, client, strategy);
  const [sf, so] = [results['start-first'], results['stop-first']];
  rows.push([
    `failed requests, ${REDEPLOYS} start-first redeploys`,
    `${sf.failed} of ${sf.total}`,
    `stop-first in the same run: ${so.failed} of ${so.total}`,
  ]);
  rows.push([
    'start-first redeploy (handover)',
    ms(sf.median),
    `median of ${REDEPLOYS}; ${(sf.median / so.median).toFixed(2)}× a stop-first redeploy (${ms(so.median)})`,
  ]);
  // The old server's own drain is part of the gap: with a server that exits at once, what is
  // left is the engine's teardown and pctl's join.
  for (const drain of [0.5, 0]) {
    const gap = await portGap(tmp, drain);
    const s = gap.steps;
    rows.push([
      `host-port gap, start-first redeploy (old server drains ${drain} s)`,
      ms(gap.ms),
      `load ${gap.load.toFixed(1)}; ` +
        (s
          ? `old one's SIGTERM handling ${ms(s.kill)}, from its die to the new one's answer (joining the network binds the port) ${ms(s.join)}; `
          : '') +
        'target < 1 s',
    ]);
  }
  return rows;
}

// Ten redeploys with the client looping; returns its counts and the redeploys' median time.
async function redeployLoop(tmp, client, strategy) {
  const stack = uniqueName(`bench-${strategy}`);
  const dir = path.join(tmp, stack);
  const name = `${stack}-client`;
  mkdirSync(path.join(dir, 'web'), { recursive: true });
  const write = (v) => {
    writeFileSync(path.join(dir, 'web/Dockerfile'), server(v));
    writeFileSync(path.join(dir, 'web/index.html'), `${v}\n`);
  };
  writeFileSync(path.join(dir, 'pctl.yaml'), stackYaml(stack, strategy));
  write('v0');
  try {
    run(process.execPath, [pctl, 'deploy'], { cwd: dir });
    docker(['run', '-d', '--name', name, '--network', `pctl-${stack}`, 'busybox:latest', 'sleep', '3600']);
    docker(['cp', client, `${name}:/client`]);
    docker(['exec', '-d', name, '/client', 'web', '8080', '/tmp']);
    const times = [];
    for (let i = 1; i <= REDEPLOYS; i++) {
      write(`v${i}`);
      times.push(await timeAsync(async () => run(process.execPath, [pctl, 'deploy'], { cwd: dir })));
    }
    docker(['exec', name, 'touch', '/tmp/stop']);
    const [served, failed] = docker(['exec', name, 'cat', '/tmp/counts']).split(' ').map(Number);
    return { failed, total: served + failed, median: median(times) };
  } finally {
    spawnSync('docker', ['rm', '-f', name]);
    spawnSync(process.execPath, [pctl, 'destroy'], { cwd: dir });
  }
}

// The longest time without an answer on the published port while the service is
// redeployed, and where it went, from the engine's events of the stack (their clock is
// this host's): the old container's SIGTERM handling (kill to die), and from its die until
// the new one answers (pctl's join of the new one to the stack's network, which binds the port).
export async function portGap(tmp, drain = 0.5) {
  const stack = uniqueName('bench-port');
  const dir = path.join(tmp, stack);
  mkdirSync(path.join(dir, 'web'), { recursive: true });
  const port = await freePort();
  writeFileSync(path.join(dir, 'pctl.yaml'), stackYaml(stack, 'start-first', port));
  writeFileSync(path.join(dir, 'web/Dockerfile'), server('v1', drain));
  writeFileSync(path.join(dir, 'web/index.html'), 'v1\n');
  try {
    run(process.execPath, [pctl, 'deploy'], { cwd: dir });
    writeFileSync(path.join(dir, 'web/index.html'), 'v2\n');
    writeFileSync(path.join(dir, 'web/Dockerfile'), server('v2', drain));
    let last = Date.now();
    let gap = { ms: 0, from: 0, to: 0 };
    let done = false;
    const poll = (async () => {
      while (!done) {
        const ok = await fetch(`http://127.0.0.1:${port}/`)
          .then((r) => r.text())
          .then(
            (t) => t.startsWith('v'),
            () => false,
          );
        const now = Date.now();
        if (ok) {
          if (now - last > gap.ms) gap = { ms: now - last, from: last, to: now };
          last = now;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const since = Date.now() / 1000;
    const load = os.loadavg()[0];
    try {
      await runAsync(process.execPath, [pctl, 'deploy'], { cwd: dir });
    } finally {
      done = true;
      await poll;
    }
    return { ...gap, load, steps: steps(engineEvents(stack, since), gap) };
  } finally {
    spawnSync(process.execPath, [pctl, 'destroy'], { cwd: dir });
  }
}

// The stack's container events since `since` (seconds), as [{ action, name, at (ms) }].
function engineEvents(stack, since) {
  const out = docker([
    'events',
    '--since',
    since.toFixed(3),
    '--until',
    (Date.now() / 1000).toFixed(3),
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
    .map((l) => JSON.parse(l))
    .map((e) => ({ action: e.Action ?? e.status, name: e.Actor?.Attributes?.name ?? '', at: e.timeNano / 1e6 }));
}

// The gap cut at the engine's events: the old one's kill and die, then the new one's answer.
function steps(events, gap) {
  const first = (pred) => events.find(pred)?.at;
  const kill = first((e) => e.action === 'kill' && e.at >= gap.from - 50);
  const die = first((e) => e.action === 'die' && e.at >= (kill ?? gap.from));
  if (kill === undefined || die === undefined) return undefined;
  return { toKill: kill - gap.from, kill: die - kill, join: gap.to - die };
}

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}
