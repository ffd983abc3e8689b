// `pctl sync` into pods: the Kubernetes API test server with the Docker-backed kubelet (each
// pod a real container), a kind stack of 2 replicas, `kind` faked on PATH. One saved file
// until pctl says both replicas have it, and a first sync of 1,000 files, each next to
// `kubectl cp` of the same into one pod in the same run.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, ms, pctl, root, runAsync, uniqueName } from '../lib.mjs';

export const title = 'sync into pods';

export const notes = [
  `**sync into pods**: a kind stack of 2 replicas on the Kubernetes API test server with its
  Docker-backed kubelet (pods are containers on the engine, so this measures pctl and
  pods/exec, not a cluster's network). *One file*: from saving a file under a folder the
  Dockerfile COPYs, while \`pctl sync\` watches, to pctl saying both replicas have it (one
  \`tar -x\` through pods/exec per pod; the target is 1 s); next to \`kubectl cp\` of that file
  into one pod. *1,000 files*: \`pctl sync --once\` of 1,000 small files into both replicas
  (one archive per pod, pctl's start included) next to \`kubectl cp\` of the folder into one
  pod.`,
];

// The API server runs in this process: every command is awaited, never run synchronously.
// The server is TypeScript: bundled for this run with the repository's esbuild.
async function startServer(contextName) {
  const { build } = await import('esbuild');
  // Beside its sources: its data files and its packages resolve from there. Removed after the run.
  const out = path.join(root, 'test/kube-api-server', `.bench-${process.pid}.mjs`);
  await build({
    entryPoints: [path.join(root, 'test/kube-api-server/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: out,
    packages: 'external',
    logLevel: 'error',
  });
  const { startKubeApiServer } = await import(pathToFileURL(out).href);
  const server = await startKubeApiServer({ contextName, runtime: 'docker', dockerNamePrefix: 'bench' });
  return { server, bundle: out };
}

const since = (t) => Number(process.hrtime.bigint() - t) / 1e6;

export async function measure(tmp) {
  const stack = uniqueName('benchsync').replace(/-/g, '');
  const cluster = uniqueName('bench-sync');
  const { server, bundle } = await startServer(`kind-${cluster}`);
  const env = {
    ...process.env,
    NO_COLOR: '1',
    PATH: `${path.join(root, 'test/fixtures/fake-kind')}:${process.env.PATH}`,
    KUBECONFIG: server.kubeconfigPath,
    PCTL_FAKE_KIND_LOG: path.join(tmp, 'kind.log'),
    PCTL_FAKE_KIND_STATE: path.join(tmp, 'kind-clusters.json'),
  };
  const ns = stack;
  mkdirSync(path.join(tmp, 'app/site/many'), { recursive: true });
  writeFileSync(
    path.join(tmp, 'pctl.yaml'),
    `name: ${stack}\nservices:\n  web:\n    image: ./app\n    command: sleep 3600\n    scale: { replica: 2 }\n    provider: { name: kind, options: { cluster: ${cluster}, namespace: ${ns} } }\n`,
  );
  writeFileSync(path.join(tmp, 'app/Dockerfile'), 'FROM busybox:latest\nCOPY site/ /site/\n');
  writeFileSync(path.join(tmp, 'app/site/index.html'), 'v0\n');
  let watcher;
  try {
    await runAsync(process.execPath, [pctl, 'deploy'], { cwd: tmp, env });
    const pods = () =>
      server
        .list('Pod', ns)
        .filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp)
        .map((p) => p.metadata.name);
    await server.waitFor(() => pods().length === 2, 60_000);
    const [pod] = pods();
    const kubectl = (args) => runAsync('kubectl', ['--kubeconfig', server.kubeconfigPath, ...args], { cwd: tmp, env });

    // One file, while watching.
    watcher = spawn(process.execPath, [pctl, 'sync', 'web'], { cwd: tmp, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const waiters = [];
    watcher.stderr.on('data', (d) => {
      err += d;
      for (const w of waiters.splice(0)) w();
    });
    const stderrHas = (count) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if ((err.match(/synced 1 file to /g) ?? []).length >= count) return resolve();
          if (watcher.exitCode !== null) return reject(new Error(`pctl sync exited: ${err}`));
          waiters.push(check);
        };
        check();
      });
    watcher.on('exit', () => {
      for (const w of waiters.splice(0)) w();
    });
    while (!err.includes('watching site -> /site/')) {
      if (watcher.exitCode !== null) throw new Error(`pctl sync exited: ${err}`);
      await new Promise((r) => waiters.push(r));
    }
    const one = [];
    const oneCp = [];
    for (let i = 1; i <= 7; i++) {
      let t = process.hrtime.bigint();
      writeFileSync(path.join(tmp, 'app/site/index.html'), `v${i}\n`);
      await stderrHas(i);
      one.push(since(t));
      t = process.hrtime.bigint();
      await kubectl(['cp', '-n', ns, path.join(tmp, 'app/site/index.html'), `${pod}:/site/index.html`]);
      oneCp.push(since(t));
    }
    watcher.kill('SIGINT');
    await new Promise((r) => watcher.on('exit', r));
    watcher = undefined;

    // 1,000 files, a first sync.
    for (let i = 0; i < 1000; i++) writeFileSync(path.join(tmp, `app/site/many/f${i}.txt`), `file ${i}\n`);
    const many = [];
    const manyCp = [];
    for (let i = 0; i < 3; i++) {
      let t = process.hrtime.bigint();
      await runAsync(process.execPath, [pctl, 'sync', '--once'], { cwd: tmp, env });
      many.push(since(t));
      t = process.hrtime.bigint();
      await kubectl(['cp', '-n', ns, path.join(tmp, 'app/site/many'), `${pod}:/site/many-cp`]);
      manyCp.push(since(t));
    }
    const [o, oc, m, mc] = [median(one), median(oneCp), median(many), median(manyCp)];
    return [
      [
        '`pctl sync`: one saved file in both replicas',
        ms(o),
        `median of 7 (target ≤ 1 s); ${(o / oc).toFixed(1)}× \`kubectl cp\``,
      ],
      ['`kubectl cp`: one file into one pod', ms(oc), 'median of 7, in turns with pctl'],
      [
        '`pctl sync --once`: 1,000 files into both replicas',
        ms(m),
        `median of 3, start included; ${(m / mc).toFixed(1)}× \`kubectl cp\``,
      ],
      ['`kubectl cp`: 1,000 files into one pod', ms(mc), 'median of 3, in turns with pctl'],
    ];
  } finally {
    watcher?.kill('SIGKILL');
    await runAsync(process.execPath, [pctl, 'destroy'], { cwd: tmp, env }).catch(() => undefined);
    await runAsync('docker', ['rm', '-f', `${cluster}-control-plane`], { env }).catch(() => undefined);
    await server.close();
    rmSync(bundle, { force: true });
  }
}
