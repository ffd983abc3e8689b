// `build.ssh` checked before the build: every agent id the Dockerfile mounts is forwarded,
// and every forwarded agent's socket answers (a stale $SSH_AUTH_SOCK fails here, with the
// fix, rather than as a failed step halfway through the build).
import { connect } from 'node:net';
import { PctlError } from '../../errors.js';
import { dockerfileInputs } from '../dockerfileInputs.js';
import type { BuildSpec } from '../spec.js';

function sshError(message: string, hint: string): PctlError {
  return new PctlError({ code: 'BuildSshMissing', exitCode: 1, fault: 'user', message, hint });
}

function reachable(socketPath: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(undefined);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

// The agents of a build (socket path by id), after checking them.
export async function buildSshAgents(spec: BuildSpec, dockerfile: string): Promise<Map<string, string>> {
  const defined = spec.ssh ?? {};
  const who = spec.service ? `service ${spec.service}` : 'the build';
  const { ssh: mounted } = dockerfileInputs(dockerfile, spec.args);
  const missing = mounted.find((m) => !Object.hasOwn(defined, m.id));
  if (missing)
    throw sshError(
      `${spec.dockerfilePath}:${missing.line}: RUN --mount=type=ssh${missing.id === 'default' ? '' : `,id=${missing.id}`} needs ssh agent "${missing.id}", which build.ssh of ${who} does not forward`,
      missing.id === 'default'
        ? 'add ssh: default to the build block (it forwards the agent of $SSH_AUTH_SOCK)'
        : `add it to the build block: ssh: { ${missing.id}: /path/to/agent.sock }`,
    );
  const agents = new Map<string, string>();
  for (const [id, configured] of Object.entries(defined)) {
    const socketPath = configured || process.env.SSH_AUTH_SOCK || '';
    if (!socketPath)
      throw sshError(
        `build.ssh of ${who} forwards the ssh agent of $SSH_AUTH_SOCK, which is not set`,
        'start an agent and add the key: eval "$(ssh-agent)" && ssh-add (or name a socket: ssh: { default: /path/to/agent.sock })',
      );
    const why = await reachable(socketPath);
    if (why)
      throw sshError(
        `build.ssh of ${who}: ssh agent "${id}" at ${socketPath} does not answer (${why})`,
        configured
          ? 'start the agent on that socket, or fix the path (relative to the stack file)'
          : '$SSH_AUTH_SOCK names a socket no agent listens on: start one (eval "$(ssh-agent)" && ssh-add)',
      );
    agents.set(id, socketPath);
  }
  return agents;
}
