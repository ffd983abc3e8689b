// The plain-docker baseline: the docker commands a script would run for the same stack
// pctl deploys, with the labels, names, network, ports and restart policy pctl gives them
// (providers/docker) on the containers, none on the images: builds 2 at a time, runs 4 at a time; then `rm -f`, `rmi` and the
// network, 4 at a time.
import { pool, runAsync } from './lib.mjs';

const env = { ...process.env, DOCKER_CLI_HINTS: 'false' };
const docker = (args) => runAsync('docker', args, { env });

export async function plainDeploy({ dir, stack, network, services }) {
  const stackLabels = ['--label', 'managed-by=pctl', '--label', `pctl-stack=${stack}`];
  await docker(['network', 'create', ...stackLabels, '--', network]);
  // The builds without labels: the engine's own limit for the same Dockerfiles (a label is
  // one more build step for the classic builder, which is what this docker CLI runs).
  await pool(services, 2, (s) => docker(['build', '-t', s.image, '-f', s.dockerfile, dir]));
  await pool(services, 4, (s) =>
    docker([
      'run',
      '-d',
      '--name',
      s.container,
      '--network',
      network,
      '--network-alias',
      s.name,
      '--restart',
      'unless-stopped',
      ...stackLabels,
      '--label',
      `pctl-service=${s.container}`,
      '--label',
      `pctl-fingerprint=${s.fingerprint}`,
      '-p',
      `${s.port}:8080/tcp`,
      '--',
      s.image,
    ]),
  );
}

export async function plainDestroy({ network, services }) {
  await pool(services, 4, (s) => docker(['rm', '-f', '-v', '--', s.container]));
  await pool(services, 4, (s) => docker(['rmi', '--', s.image]));
  await docker(['network', 'rm', '--', network]);
}
