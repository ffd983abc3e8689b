// build.secrets reach `RUN --mount=type=secret` through the BuildKit session only: the
// value is in no image layer, no history line, no image config, not in the state file or
// any file of the stack folder, not in pctl's output (even -v) nor any process's argv, and
// a rebuild with another value keeps the image tag and BuildKit's cache of the step.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctlWatchingArgv } from '../helpers/cli.js';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'bk-secrets';
const SECRET = `bk-Sec-${randomBytes(8).toString('hex')}-value`;
const OTHER = `bk-Other-${randomBytes(8).toString('hex')}-value`;
// BuildKit's cache key of a secret-mounting step leaves the secret out (the second test relies
// on it), so a step cached on this engine by an earlier run would hold that run's secret
// length: the nonce makes this run's steps its own.
const NONCE = randomBytes(8).toString('hex');
const stack = useStack({ prefix: 'bk-secrets-' });

// Every file under a folder, recursively (the state file, its backup, .pctl/).
function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

beforeAll(async () => {
  await requireDocker();
  stack.write({
    'pctl.yaml': `name: ${STACK}\nservices:\n  app:\n    build:\n      context: ./app\n      secrets:\n        bk_token: \"\${env:BK_TOKEN}\"\n    provider: { name: docker }\n`,
    // The step proves it read the secret (its length, and a check of its value) without keeping it.
    'app/Dockerfile':
      `FROM busybox\nENV BK_TEST_NONCE=${NONCE}\n` +
      'RUN --mount=type=secret,id=bk_token wc -c < /run/secrets/bk_token > /secret-length && grep -q "^bk-" /run/secrets/bk_token && echo checked > /secret-seen\nCMD ["sleep", "3600"]\n',
  });
});
afterAll(async () => {
  await removeStack(STACK);
});

describe('build secrets', () => {
  let ref = '';

  it('mounts the secret for the RUN step and leaves it nowhere', async () => {
    const r = await pctlWatchingArgv(['deploy', '-v'], { cwd: stack.dir, env: { BK_TOKEN: SECRET } }, SECRET);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(r.argvLeak).toEqual([]);
    expect(`${r.stdout}${r.stderr}`).not.toContain(SECRET);
    ref = (
      await execa('docker', [
        'images',
        '--filter',
        `reference=pctl-${STACK}-app`,
        '--format',
        '{{.Repository}}:{{.Tag}}',
      ])
    ).stdout.split('\n')[0]!;
    expect(ref).toMatch(new RegExp(`^pctl-${STACK}-app:[0-9a-f]{12}$`));
    const run = (file: string) => execa('docker', ['run', '--rm', ref, 'cat', file]).then((x) => x.stdout.trim());
    expect(await run('/secret-length')).toBe(String(SECRET.length));
    expect(await run('/secret-seen')).toBe('checked');
    expect((await execa('docker', ['history', '--no-trunc', ref])).stdout).not.toContain(SECRET);
    expect((await execa('docker', ['image', 'inspect', ref])).stdout).not.toContain(SECRET);
    // docker save: every layer (uncompressed tars), the config and the history in one archive.
    const saved = await execa('docker', ['save', ref], { encoding: 'buffer' });
    expect(Buffer.from(saved.stdout as unknown as Uint8Array).includes(Buffer.from(SECRET))).toBe(false);
    for (const f of allFiles(stack.dir)) expect(readFileSync(f, 'latin1'), f).not.toContain(SECRET);
  });

  it('a rebuild with another value keeps the image tag and the cached step', async () => {
    const plan = await stack.pctl(['build', '--json'], { env: { BK_TOKEN: OTHER } });
    expect(plan.exitCode).toBe(0);
    expect(JSON.parse(plan.stdout).images).toEqual([expect.objectContaining({ service: 'app', ref, built: false })]);
    const forced = await stack.pctl(['build', '-v', '--force-build'], { env: { BK_TOKEN: OTHER } });
    expect(forced.exitCode).toBe(0);
    expect(forced.stderr).toMatch(/#\d+ \[\d\/\d\] RUN --mount=type=secret,id=bk_token .* CACHED/);
    expect(`${forced.stdout}${forced.stderr}`).not.toContain(OTHER);
    // The service did not change either: the secret's value is not part of its fingerprint.
    const again = await stack.pctl(['plan'], { env: { BK_TOKEN: OTHER } });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^unchanged +${STACK}-app `, 'm'));
  });

  it('a secret the Dockerfile mounts but build.secrets lacks: one error naming both, before any build', async () => {
    stack.write({
      'app/Dockerfile': 'FROM busybox\nRUN --mount=type=secret,id=bk_missing cat /run/secrets/bk_missing\n',
    });
    const r = await stack.pctl(['build', '--json'], { env: { BK_TOKEN: SECRET } });
    expect(r.exitCode).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /app\/Dockerfile:2: RUN --mount=type=secret,id=bk_missing needs build secret "bk_missing", which build.secrets of service app does not define/,
    );
    expect(r.stderr).not.toMatch(/#\d+ /);
  });
});
