// The ownership rule on the real engine, through whole deploys: what a user made from or
// beside pctl's objects (an image built FROM a pctl image, a tag on one, a network named
// in `network:`, a container run from a pctl image) survives deploy, the leaked-image
// sweep, state recover and destroy; pctl's own objects still go.
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctl, tempDir, writeTree } from '../helpers/cli.js';
import { docker, labelled, removeStack, requireDocker } from '../helpers/docker.js';

const STACK = 'ownimg';
const NET_STACK = 'ownnet';
const USER_NET = `ownnet-usernet-${process.pid}`;
const CHILD = `ownimg-child:${process.pid}`;
const USER_TAG = `ownimg-usertag:${process.pid}`;
const USER_RUN = `ownimg-userrun-${process.pid}`;
let tmp: ReturnType<typeof tempDir>;

const exists = async (kind: 'image' | 'network' | 'container', name: string) =>
  (await execa('docker', [kind, 'inspect', name], { reject: false })).exitCode === 0;

beforeAll(async () => {
  await requireDocker();
  tmp = tempDir();
});
afterAll(async () => {
  await execa('docker', ['rm', '-f', USER_RUN], { reject: false });
  await execa('docker', ['rmi', CHILD, USER_TAG], { reject: false });
  await execa('docker', ['network', 'rm', USER_NET], { reject: false });
  await removeStack(STACK);
  await removeStack(NET_STACK);
  tmp?.cleanup();
});

describe('ownership', () => {
  it("the leaked-image sweep, recover and destroy leave a user's child image, tag and container of a pctl image", async () => {
    const dir = path.join(tmp.dir, 'img');
    writeTree(dir, {
      // history: 1 keeps no release but the current one, so the replaced image is pctl's to remove.
      'pctl.yaml': `name: ${STACK}\nhistory: 1\nservices:\n  web:\n    image: ./web\n    command: sleep 3600\n    provider: { name: docker }\n`,
      'web/Dockerfile': 'FROM busybox:latest\nCOPY site /site\n',
      'web/site/index.html': 'v1\n',
    });
    const first = await pctl(['deploy'], { cwd: dir });
    expect(first.exitCode, first.stderr).toBe(0);
    const [built] = await labelled('image', STACK);
    expect(built).toMatch(/^pctl-ownimg-web:/);
    // A user builds FROM pctl's image (inheriting its labels), tags it, and runs it.
    const ctx = path.join(tmp.dir, 'child');
    writeTree(ctx, { Dockerfile: `FROM ${built}\nCOPY f /f\n`, f: 'mine\n' });
    await docker(['build', '-q', '-t', CHILD, ctx]);
    await docker(['tag', built!, USER_TAG]);
    await docker(['run', '-d', '--name', USER_RUN, CHILD, 'sleep', '3600']);
    expect(JSON.parse(await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', CHILD]))).toMatchObject({
      'managed-by': 'pctl',
      'pctl-stack': STACK,
    });

    // A second generation: pctl's old reference is untagged, the sweep runs after the build.
    writeFileSync(path.join(dir, 'web/site/index.html'), 'v2\n');
    const second = await pctl(['deploy'], { cwd: dir });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(await exists('image', built!)).toBe(false);
    expect(await exists('image', USER_TAG), 'a tag the user put on a pctl image').toBe(true);
    // The state file is lost: recover takes pctl's container, not the user's (no pctl-service).
    const file = path.join(dir, `pctl.${STACK}.json`);
    writeFileSync(file, '{}');
    const recover = await pctl(['state', 'recover', '--yes'], { cwd: dir });
    expect(recover.exitCode, recover.stderr).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')) as object)).toEqual([`${STACK}-web`]);

    const destroy = await pctl(['destroy'], { cwd: dir });
    expect(destroy.exitCode, destroy.stderr).toBe(0);
    expect(await docker(['ps', '-a', '-q', '--filter', `label=pctl-service=${STACK}-web`])).toBe('');
    expect(await exists('container', USER_RUN)).toBe(true);
    // With the user's container gone nothing holds the child image: only the missing record keeps it.
    await docker(['rm', '-f', USER_RUN]);
    const sweep = await pctl(['destroy'], { cwd: dir });
    expect(sweep.exitCode, sweep.stderr).toBe(0);
    expect(await exists('image', CHILD)).toBe(true);
    expect(await exists('image', USER_TAG)).toBe(true);
  }, 300_000);

  it('a network the user made and named in `network:` is used by deploy and left by destroy', async () => {
    const dir = path.join(tmp.dir, 'net');
    writeTree(dir, {
      'pctl.yaml': `name: ${NET_STACK}\nservices:\n  a:\n    image: busybox:latest\n    command: sleep 3600\n    provider: { name: docker, options: { network: ${USER_NET} } }\n`,
    });
    await docker(['network', 'create', USER_NET]);
    const deploy = await pctl(['deploy'], { cwd: dir });
    expect(deploy.exitCode, deploy.stderr).toBe(0);
    expect(
      await docker([
        'inspect',
        '--format',
        '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}',
        `${NET_STACK}-a`,
      ]),
    ).toContain(USER_NET);
    const destroy = await pctl(['destroy'], { cwd: dir });
    expect(destroy.exitCode, destroy.stderr).toBe(0);
    expect(await labelled('container', NET_STACK)).toEqual([]);
    expect(await exists('network', USER_NET)).toBe(true);
  }, 300_000);
});
