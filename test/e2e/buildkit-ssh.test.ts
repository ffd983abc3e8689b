// build.ssh forwards a real ssh agent (OpenSSH's ssh-agent holding a generated key) to
// `RUN --mount=type=ssh` through the BuildKit session: OpenSSH's own ssh-add, copied into
// the image with its libraries, lists the agent's key from inside the build step, and its
// attempt to remove every key is refused (the agent is forwarded read-only). A Dockerfile
// mounting an agent build.ssh does not forward, and a missing agent, fail before the build.
import { execa, type ResultPromise } from 'execa';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';
import { until } from '../helpers/until.js';

const STACK = 'bkssh';
const COMMENT = `pctl-bkssh-${Math.random().toString(36).slice(2)}`;
const stack = useStack({ prefix: 'bkssh-' });
let agent: ResultPromise | undefined;
let sock = '';

const stackFile = (ssh: string) =>
  `name: ${STACK}\nservices:\n  app:\n    build:\n      context: ./app\n${ssh}    provider: { name: docker }\n`;

// /usr/bin/ssh-add (as /bin/ssh-add: busybox's PATH is /bin) and the libraries ldd names, under app/root/.
async function copySshAdd(root: string): Promise<void> {
  const libs = (await execa('ldd', ['/usr/bin/ssh-add'])).stdout
    .split('\n')
    .map((l) => /(\/\S+) \(0x/.exec(l)?.[1])
    .filter((p): p is string => Boolean(p));
  for (const file of ['/usr/bin/ssh-add', ...libs]) {
    const to = path.join(root, file === '/usr/bin/ssh-add' ? '/bin/ssh-add' : file);
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(file, to);
    chmodSync(to, 0o755);
  }
}

beforeAll(async () => {
  await requireDocker();
  sock = stack.path('agent.sock');
  const key = stack.path('id_test');
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', COMMENT, '-f', key]);
  agent = execa('ssh-agent', ['-D', '-a', sock], { reject: false });
  await until('ssh-agent to listen', () => existsSync(sock), {
    giveUpIf: () => (agent?.exitCode != null ? 'ssh-agent exited' : undefined),
  });
  await execa('ssh-add', [key], { env: { SSH_AUTH_SOCK: sock } });
  // The key's comment in the RUN line: BuildKit caches a step with an ssh mount like any other.
  stack.write({
    'pctl.yaml': stackFile('      ssh: default\n'),
    'app/Dockerfile': `FROM busybox\nCOPY root/ /\nRUN --mount=type=ssh echo ${COMMENT} && ssh-add -l > /keys && (ssh-add -D; echo "$?" > /remove-rc)\nCMD ["sleep", "3600"]\n`,
  });
  await copySshAdd(stack.path('app/root'));
});
afterAll(async () => {
  agent?.kill();
  await removeStack(STACK);
});

describe('build.ssh', () => {
  it('forwards the agent to RUN --mount=type=ssh, read-only', async () => {
    const r = await stack.pctl(['build', '-v'], { env: { SSH_AUTH_SOCK: sock } });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    const ref = (
      await execa('docker', [
        'images',
        '--filter',
        `reference=pctl-${STACK}-app`,
        '--format',
        '{{.Repository}}:{{.Tag}}',
      ])
    ).stdout.split('\n')[0]!;
    const run = (file: string) => execa('docker', ['run', '--rm', ref, 'cat', file]).then((x) => x.stdout.trim());
    // The key as the agent on the host lists it (fingerprint and comment).
    const hostKeys = (await execa('ssh-add', ['-l'], { env: { SSH_AUTH_SOCK: sock } })).stdout.trim();
    expect(hostKeys).toContain(COMMENT);
    expect(await run('/keys')).toBe(hostKeys);
    // ssh-add -D failed inside the step, and the key is still in the agent.
    expect(await run('/remove-rc')).not.toBe('0');
    expect((await execa('ssh-add', ['-l'], { env: { SSH_AUTH_SOCK: sock } })).stdout.trim()).toBe(hostKeys);
  });

  it('a missing agent is one error before the build', async () => {
    const r = await stack.pctl(['build', '--force-build'], { env: { SSH_AUTH_SOCK: '' } });
    expect(r.exitCode).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual([
      expect.stringMatching(/build.ssh of service app forwards the ssh agent of \$SSH_AUTH_SOCK, which is not set/),
    ]);
    expect(r.stderr).not.toMatch(/#\d+ /);
    const stale = await stack.pctl(['build', '--force-build'], { env: { SSH_AUTH_SOCK: stack.path('no-agent.sock') } });
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr).toMatch(/ssh agent "default" at .*no-agent.sock does not answer \(ENOENT\)/);
  });

  it('a Dockerfile mounting an agent build.ssh does not forward: one error naming both', async () => {
    stack.write({ 'pctl.yaml': stackFile('') });
    const r = await stack.pctl(['build', '--force-build'], { env: { SSH_AUTH_SOCK: sock } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /app\/Dockerfile:3: RUN --mount=type=ssh needs ssh agent "default", which build.ssh of service app does not forward/,
    );
    expect(readFileSync(stack.path('app/Dockerfile'), 'utf8')).toContain('--mount=type=ssh');
  });
});
