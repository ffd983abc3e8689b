// Secrets from ${env:...} and ${file:...} reach the containers, and nothing else:
// not the state file, not stdout or stderr (plain, --verbose, --json), not error messages.
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctlWatchingArgv } from '../helpers/cli.js';
import { docker, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'secrets';
const ENV_SECRET = 'env-s3cr3t-Value-4711';
const FILE_SECRET = 'file-s3cr3t-Value-0815';
const SHELLY = `$(touch /tmp/pctl-secret-pwned); echo 'quoted' "double" \`id\` ; rm -rf / #`;
const stack = useStack();
const env = { API_TOKEN: ENV_SECRET };

beforeAll(async () => {
  await requireDocker();
  stack.write({
    'db-password.txt': `${FILE_SECRET}\n`,
    'pctl.yaml': `name: ${STACK}
services:
  app:
    image: busybox:latest
    command: sleep 3600
    env:
      TOKEN: \${env:API_TOKEN}
      DB_PASSWORD: \${file:db-password.txt}
      SHELLY: "${SHELLY.replace(/"/g, '\\"')}"
    provider: { name: docker }
  leaky:
    image: busybox:latest
    command: echo "token is $TOKEN"; exit 3
    env:
      TOKEN: \${env:API_TOKEN}
    provider: { name: docker, options: { timeout: 20 } }
`,
  });
});
afterAll(async () => {
  await removeStack(STACK);
});

function expectNoSecret(text: string, where: string) {
  expect(text.includes(ENV_SECRET), `${where} contains the env secret`).toBe(false);
  expect(text.includes(FILE_SECRET), `${where} contains the file secret`).toBe(false);
}

describe('secrets', () => {
  it('reach the container verbatim and never the state file, output or errors', async () => {
    const outputs: string[] = [];
    for (const flags of [[], ['--verbose'], ['--json'], ['--json', '--verbose']]) {
      const r = await stack.pctl(['deploy', ...flags], { env });
      // `leaky` exits at once and prints its token: the error shows its log, masked.
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/leaky/);
      outputs.push(r.stdout, r.stderr);
    }
    expect(outputs.join('\n')).toMatch(/token is \*\*\*/);
    outputs.forEach((o, i) => expectNoSecret(o, `output ${i}`));
    for (const f of readdirSync(stack.dir).filter((f) => f.startsWith('pctl.') || f === '.pctl')) {
      if (f === '.pctl') continue;
      expectNoSecret(readFileSync(stack.path(f), 'utf8'), f);
    }
    const inspected = JSON.parse(await docker(['inspect', `${STACK}-app`]))[0].Config.Env as string[];
    expect(inspected).toContain(`TOKEN=${ENV_SECRET}`);
    expect(inspected).toContain(`DB_PASSWORD=${FILE_SECRET}`);
    expect(inspected).toContain(`SHELLY=${SHELLY}`);
    const { existsSync } = await import('node:fs');
    expect(existsSync('/tmp/pctl-secret-pwned')).toBe(false);
    const status = await stack.pctl(['status', '--json'], { env });
    expectNoSecret(status.stdout + status.stderr, 'status');
    const plan = await stack.pctl(['plan', '--json', '--verbose'], { env });
    expectNoSecret(plan.stdout + plan.stderr, 'plan');
  });

  it('never sit on a command line or in a file: they travel in the body of the engine request that creates the container', async () => {
    const forced = { ...env, PCTL_FORCE: '1' };
    for (const secret of [ENV_SECRET, FILE_SECRET]) {
      // A changed fingerprint makes deploy create app's container again.
      stack.write({
        'pctl.yaml': readFileSync(stack.path('pctl.yaml'), 'utf8').replace(
          /command: sleep \d+/,
          `command: sleep ${3600 + secret.length}`,
        ),
      });
      const r = await pctlWatchingArgv(['deploy', 'app', '--verbose'], { cwd: stack.dir, env: forced }, secret);
      expect(r.exitCode, r.stderr).toBe(0);
      // --verbose names each engine call by its route; the body (with the values) is never printed.
      // (A replacement is created as `<name>.next` beside the running one: start-first.)
      expect(r.stderr).toMatch(new RegExp(`> POST /containers/create\\?name=${STACK}-app(\\.next)?\\n`));
      expect(r.stderr).not.toContain('$ docker run');
      expect(r.argvLeak).toEqual([]);
      expectNoSecret(r.stdout + r.stderr, 'deploy output');
    }
    const inspected = JSON.parse(await docker(['inspect', `${STACK}-app`]))[0].Config.Env as string[];
    expect(inspected).toContain(`TOKEN=${ENV_SECRET}`);
    expect(inspected).toContain(`DB_PASSWORD=${FILE_SECRET}`);
    expect(inspected).toContain(`SHELLY=${SHELLY}`);
  });
});
