// `pctl build`: content-hash tags, no-op rebuilds, --list, --explain, --force-build.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'buildcmd';
const stack = useStack();

beforeAll(async () => {
  await requireDocker();
  stack.write({
    'pctl.yaml': `name: ${STACK}\nservices:\n  web:\n    image: ./web\n    provider: { name: docker }\n  api:\n    build: { context: ./api, args: { GREETING: hi } }\n    provider: { name: docker }\n  cache:\n    image: busybox:latest\n    provider: { name: docker }\n`,
    'web/Dockerfile': 'FROM busybox\nCOPY public /www\n',
    'web/.dockerignore': '**/*.tmp\npublic/drafts\n',
    'web/public/index.html': 'hello',
    'web/public/drafts/wip.html': 'wip',
    'web/public/x.tmp': 'tmp',
    'api/Dockerfile': 'FROM busybox\nARG GREETING\nCOPY . /srv\n',
    'api/main.sh': 'echo $GREETING',
  });
});
afterAll(async () => {
  await removeStack(STACK);
});

describe('pctl build', () => {
  it('lists the build context after .dockerignore', async () => {
    const r = await stack.pctl(['build', '--list', 'web']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['.dockerignore', 'Dockerfile', 'public/index.html']);
  });

  it('builds once, then builds nothing while inputs are unchanged', async () => {
    const first = await stack.pctl(['build', '--json']);
    expect(first.stderr).not.toMatch(/^error/m);
    expect(first.exitCode).toBe(0);
    const images = JSON.parse(first.stdout).images;
    expect(images.map((i: { service: string; built: boolean }) => [i.service, i.built]).sort()).toEqual([
      ['api', true],
      ['web', true],
    ]);
    expect(images.find((i: { service: string }) => i.service === 'web').ref).toMatch(
      new RegExp(`^pctl-${STACK}-web:[0-9a-f]{12}$`),
    );
    const second = await stack.pctl(['build', '--json']);
    expect(JSON.parse(second.stdout).images.every((i: { built: boolean }) => !i.built)).toBe(true);
    const why = await stack.pctl(['build', '--explain', 'web']);
    expect(why.stdout).toMatch(/web: will not build: .* exists on the engine/);
  });

  it('explains a rebuild by naming the changed file, and ignores ignored files', async () => {
    writeFileSync(stack.path('web/public/x.tmp'), 'changed but ignored');
    expect((await stack.pctl(['build', '--explain', 'web'])).stdout).toMatch(/will not build/);
    writeFileSync(stack.path('web/public/index.html'), 'hello again');
    const why = await stack.pctl(['build', '--explain', 'web']);
    expect(why.stdout).toMatch(
      /web: will build: public\/index\.html changed since pctl-buildcmd-web:[0-9a-f]{12} was built/,
    );
    const r = await stack.pctl(['build', '--json', 'web']);
    expect(JSON.parse(r.stdout).images).toEqual([expect.objectContaining({ service: 'web', built: true })]);
  });

  it('rebuilds with --force-build and rejects unknown or prebuilt services', async () => {
    const forced = await stack.pctl(['build', '--json', '-b', 'api']);
    expect(JSON.parse(forced.stdout).images).toEqual([expect.objectContaining({ service: 'api', built: true })]);
    const unknown = await stack.pctl(['build', 'nope']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/no service "nope"/);
    const prebuilt = await stack.pctl(['build', '--list', 'cache']);
    expect(prebuilt.exitCode).toBe(2);
    expect(prebuilt.stderr).toMatch(/prebuilt image busybox:latest/);
  });
});
