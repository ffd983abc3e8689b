// `pctl logs` time to first line, next to `docker logs` of the same container in the same run.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { median, ms, pctl, run, uniqueName } from '../lib.mjs';

export const title = 'logs time to first line';

export const notes = [
  `**logs time to first line**: from starting \`pctl logs -f web\` (one running busybox
  container that has printed 1,000 lines, \`--tail 1\`) to the first line on its stdout, in
  turns with \`docker logs -f --tail 1\` of the same container (the docker CLI, a Go binary
  with nothing to load). pctl reads the stack file, the state file and opens the engine
  before its first request; the ratio is the figure to watch.`,
];

// Milliseconds from spawn to the first stdout byte of a command that runs until killed.
function firstLine(cmd, args, cwd) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.once('data', () => {
      resolve(Number(process.hrtime.bigint() - t) / 1e6);
      child.kill('SIGKILL');
    });
    child.on('exit', (code) => code && reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`)));
  });
}

export async function measure(tmp) {
  const stack = uniqueName('bench-logs');
  writeFileSync(
    path.join(tmp, 'pctl.yaml'),
    `name: ${stack}\nservices:\n  web:\n    image: busybox:latest\n    command: 'i=0; while [ $i -lt 1000 ]; do i=$((i+1)); echo "line $i"; done; exec sleep 3600'\n    provider: { name: docker }\n`,
  );
  run(process.execPath, [pctl, 'deploy'], { cwd: tmp });
  try {
    const container = `${stack}-web`;
    // The container has printed its 1,000 lines before the first measure.
    for (let i = 0; i < 100 && !run('docker', ['logs', '--tail', '1', container]).stdout.includes('line 1000'); i++)
      spawnSync('sleep', ['0.1']);
    const p = [];
    const d = [];
    for (let i = 0; i < 7; i++) {
      p.push(await firstLine(process.execPath, [pctl, 'logs', '-f', '--tail', '1', 'web'], tmp));
      d.push(await firstLine('docker', ['logs', '-f', '--tail', '1', container], tmp));
    }
    const [mp, md] = [median(p), median(d)];
    return [
      [
        '`pctl logs -f`: time to first line',
        ms(mp),
        `median of 7, in turns with docker; ${(mp / md).toFixed(1)}× \`docker logs -f\``,
      ],
      ['`docker logs -f`: time to first line', ms(md), 'median of 7'],
    ];
  } finally {
    spawnSync(process.execPath, [pctl, 'destroy'], { cwd: tmp, encoding: 'utf8' });
  }
}
