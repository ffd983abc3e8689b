// A second, private Docker engine that a test may stop and start at will (the shared one
// keeps serving the other tests). Same flags as scripts/ensure-docker.sh, its own roots,
// its own default bridge so it never touches docker0, which the shared engine needs:
// dockerd deletes docker0 when started with `--bridge=none`, and also on a restart when
// `--default-address-pool` is set. Its networks get subnets that do not overlap the
// first engine's (dockerd checks the host's routes).
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { until } from './until.js';

export interface TestEngine {
  host: string;
  start(): Promise<void>;
  /** SIGTERM is `systemctl stop docker`; SIGKILL is a crash (containers keep running). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  cleanup(): Promise<void>;
}

// config: a daemon.json for it (`{ features: { buildkit: false } }`).
export function testEngine(root: string, bridgeNet: string, config?: object): TestEngine {
  const host = `unix://${root}/docker.sock`;
  const bridge = `pctlt${Math.random().toString(36).slice(2, 9)}`;
  const base = bridgeNet.split('/')[0]!.split('.').slice(0, 2).join('.');
  let proc: ResultPromise | undefined;
  // Every bridge network it has had: dockerd leaves their bridges on the host when it stops
  // or dies, and each one keeps its subnet out of every engine's pools (dockerd skips pools
  // that overlap a host route) until the machine restarts.
  const networks = new Set<string>();
  const answers = async () =>
    (
      await execa('docker', ['info', '--format', '{{.ServerVersion}}'], {
        env: { DOCKER_HOST: host },
        reject: false,
        timeout: 10_000,
      })
    ).exitCode === 0;
  const engine: TestEngine = {
    host,
    async start() {
      mkdirSync(path.join(root, 'data'), { recursive: true });
      mkdirSync(path.join(root, 'exec'), { recursive: true });
      rmSync(path.join(root, 'docker.sock'), { force: true });
      if (config) writeFileSync(path.join(root, 'daemon.json'), JSON.stringify(config));
      if ((await execa('ip', ['link', 'show', bridge], { reject: false })).exitCode !== 0) {
        await execa('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']);
        await execa('ip', ['addr', 'add', `${base}.255.1/24`, 'dev', bridge]);
        await execa('ip', ['link', 'set', bridge, 'up']);
      }
      proc = execa(
        'dockerd',
        [
          '--storage-driver=vfs',
          '--iptables=false',
          '--ip6tables=false',
          `--bridge=${bridge}`,
          `--data-root=${root}/data`,
          `--exec-root=${root}/exec`,
          `--pidfile=${root}/docker.pid`,
          `--host=${host}`,
          ...(config ? [`--config-file=${root}/daemon.json`] : []),
        ],
        { reject: false, stdio: ['ignore', 'ignore', 'pipe'], cleanup: true },
      );
      let log = '';
      proc.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
      const started = proc;
      await until(`the test dockerd at ${host} to answer`, answers, {
        timeoutMs: 60_000,
        intervalMs: 500,
        giveUpIf: () =>
          started.exitCode !== null && started.exitCode !== undefined
            ? `dockerd exited with ${started.exitCode}`
            : undefined,
        detail: () => log,
      });
    },
    async stop(signal = 'SIGTERM') {
      if (!proc) return;
      // Its networks, while it can still say: no network is made while it is down.
      const ids = await execa('docker', ['network', 'ls', '-q', '--no-trunc', '--filter', 'driver=bridge'], {
        env: { DOCKER_HOST: host },
        reject: false,
        timeout: 10_000,
      });
      for (const id of ids.stdout.split('\n').filter(Boolean)) networks.add(id);
      let pid: number | undefined;
      try {
        pid = Number(readFileSync(path.join(root, 'docker.pid'), 'utf8'));
      } catch {
        pid = proc.pid;
      }
      if (pid) process.kill(pid, signal);
      if (signal === 'SIGKILL') {
        // A crash of the whole engine: its containerd dies with it (the container shims live on).
        try {
          process.kill(Number(readFileSync(`${root}/exec/containerd/containerd.pid`, 'utf8')), 'SIGKILL');
        } catch {
          /* not running */
        }
      }
      await proc;
      proc = undefined;
    },
    async cleanup() {
      await engine.stop().catch(() => undefined);
      // A crashed daemon leaves its containerd and container shims behind, and its mounts
      // (data root, network namespaces): stop them and unmount before removing the folder.
      await execa('pkill', ['-KILL', '-f', `${root}/`], { reject: false });
      const mounts = readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[1] ?? '')
        .filter((m) => m.startsWith(`${root}/`))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts) await execa('umount', ['-l', m], { reject: false });
      await execa('rm', ['-rf', root], { reject: false });
      await execa('ip', ['link', 'del', bridge], { reject: false });
      for (const id of networks) await execa('ip', ['link', 'del', `br-${id.slice(0, 12)}`], { reject: false });
    },
  };
  return engine;
}

// Copies an image from the shared engine into another one (nothing can be pulled here).
export async function copyImage(ref: string, toHost: string): Promise<void> {
  const save = execa('docker', ['save', ref], { buffer: false });
  const load = execa('docker', ['load'], { env: { DOCKER_HOST: toHost }, stdin: 'pipe' });
  save.stdout!.pipe(load.stdin!);
  await Promise.all([save, load]);
}
