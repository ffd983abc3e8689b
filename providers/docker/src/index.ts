// The docker provider: runs each service as labelled containers on a Docker engine,
// local or over SSH, on a per-stack network where services reach each other by name.
// It speaks the Engine API (api.ts); one file per concern: options, containers, the
// create body (createSpec), networks, images, transfer to a remote host, events and
// readiness, deploy, destroy, adopt (what the original pctl left running), status/discover,
// sync; the inner loop: logs, exec, portForward (with replicas: which container is which);
// jobs (job.ts) and one-off containers (run.ts).
import { defineProvider } from '@pctl/core';
import { adopt } from './adopt.js';
import { deploy } from './deploy.js';
import { destroy } from './destroy.js';
import { settle } from './settle.js';
import { options, validateOptions } from './options.js';
import { engineLimitIssues } from './serviceLimits.js';
import { exec } from './exec.js';
import { logs } from './logs.js';
import { portForward } from './portForward.js';
import { run } from './run.js';
import { discover, status } from './status.js';
import { sync } from './sync.js';

export { sshTarget } from './api.js';
export { dockerCpus, dockerMemory, type DockerOptions } from './options.js';
export { createSpec } from './createSpec.js';

export const dockerProvider = defineProvider({
  apiVersion: 1,
  name: 'docker',
  validateOptions,
  // Limits the engine refuses; a host folder names a folder of this machine: a remote host cannot mount it.
  validateService: (svc) => {
    const host = validateOptions(svc.provider.options ?? {}).length ? undefined : options(svc.provider.options).host;
    if (!host) return engineLimitIssues(svc);
    return [
      ...engineLimitIssues(svc),
      ...(svc.volumes ?? []).flatMap((v, i) =>
        v.hostPath !== undefined
          ? [
              {
                path: ['volumes', i],
                message: `a host folder (${v.hostPath}) cannot be mounted on the remote Docker host ${host}: it names a folder on this machine (use { path: ${v.path} } for storage on that host)`,
              },
            ]
          : [],
      ),
    ];
  },
  needsPush: (raw) => Boolean(options(raw).host),
  adopt,
  deploy,
  settle,
  destroy,
  status,
  discover,
  sync,
  logs,
  exec,
  run,
  portForward,
});

export default dockerProvider;
