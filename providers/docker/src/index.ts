// The docker provider: runs each service as labelled containers on a Docker engine,
// local or over SSH, on a per-stack network where services reach each other by name.
// One file per concern: transport (local or ssh), options, networks, containers,
// readiness, deploy/destroy, adopt (what the original pctl left running), status/discover, sync.
import { defineProvider } from '@pctl/core';
import { adopt } from './adopt.js';
import { deploy, destroy } from './deploy.js';
import { options, validateOptions } from './options.js';
import { discover, status } from './status.js';
import { sync } from './sync.js';

export { dockerCli, shellQuote, sshArgs } from './transport.js';
export { dockerCpus, dockerMemory, type DockerOptions } from './options.js';
export { envTransport, runArgs } from './containers.js';

export const dockerProvider = defineProvider({
  apiVersion: 1,
  name: 'docker',
  validateOptions,
  needsPush: (raw) => Boolean(options(raw).host),
  adopt,
  deploy,
  destroy,
  status,
  discover,
  sync,
});

export default dockerProvider;
