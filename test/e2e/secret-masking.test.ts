// Masking that breaks nothing, on a real Docker engine: a stack whose name comes from
// ${env:} is deployed, shown and destroyed by that name (the state file used to record
// `***` for it, and destroy then left the containers and the network behind), and a
// crashing container that prints a secret with a trailing newline shows it masked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelled, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'masking-from-env';
const SECRET = 'crash-S3cret-77';
const env = { STACK_NAME: STACK, DB_PASSWORD: `  ${SECRET}\n` };
const stack = useStack({
  files: {
    'pctl.yaml': `name: \${env:STACK_NAME}
services:
  web:
    image: busybox:latest
    command: sleep 3600
    provider: { name: docker }
`,
    'crash.yaml': `name: \${env:STACK_NAME}
services:
  crash:
    image: busybox:latest
    command: 'echo "login failed for $DB_PASSWORD" >&2; exit 3'
    env: { DB_PASSWORD: "\${env:DB_PASSWORD}" }
    provider: { name: docker, options: { timeout: 20 } }
`,
  },
});

beforeAll(async () => {
  await requireDocker();
});
afterAll(async () => {
  await removeStack(STACK);
});

describe('a stack name from ${env:}', () => {
  it('is recorded as it is, and destroy removes what deploy made', async () => {
    const deployed = await stack.pctl(['deploy'], { env });
    expect(deployed.exitCode, deployed.stderr).toBe(0);
    const state = stack.read(`pctl.${STACK}.json`);
    expect(state).not.toContain('***');
    expect(await labelled('container', STACK)).toEqual([`${STACK}-web`]);
    const destroyed = await stack.pctl(['destroy'], { env });
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(await labelled('container', STACK)).toEqual([]);
    expect(await labelled('network', STACK)).toEqual([]);
  }, 180_000);

  it('a crashing container printing a secret with spaces and a newline shows it masked', async () => {
    const r = await stack.pctl(['deploy', '-c', 'crash.yaml'], { env });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/login failed for/);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    await stack.pctl(['destroy', '-c', 'crash.yaml'], { env });
  }, 180_000);
});
