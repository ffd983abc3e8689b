// A stack file written for the original pctl, on the real Docker engine: names with '_' and
// upper case (objects named by resourceName), Docker's port forms (host address, ranges,
// udp), a host folder relative to the stack file, and env values passed as written.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctl, tempDir, writeTree } from '../helpers/cli.js';
import { docker, labelled, removeStack, requireDocker } from '../helpers/docker.js';

const STACK = 'Mig_App';
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  await requireDocker();
  tmp = tempDir();
  writeTree(tmp.dir, {
    'www/index.html': 'served from the host folder\n',
    'pctl.yaml': `name: ${STACK}
description: migrated from the original pctl
services:
  my_api:
    image: busybox:latest
    command: httpd -f -p 80 -h /www
    env: { ZIP: 007, VERSION: 1.10 }
    ports: ["127.0.0.1:18471:80", "18472-18473:81-82", "18474:53/udp"]
    volumes: ["./www:/www:ro"]
    provider: { name: docker }
`,
  });
});
afterAll(async () => {
  await removeStack(STACK);
  tmp?.cleanup();
});

// The page once httpd answers (it starts just after the container does).
async function pageWhenServed(url: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await (await fetch(url)).text();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('a stack file from the original pctl on Docker', () => {
  it('deploys with derived names, every port form, the host folder and env as written', async () => {
    const r = await pctl(['deploy'], { cwd: tmp.dir });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(await labelled('container', STACK)).toEqual(['mig-app-my-api']);
    const [info] = JSON.parse(await docker(['inspect', 'mig-app-my-api'])) as {
      Config: { Env: string[] };
      HostConfig: { PortBindings: Record<string, { HostIp: string; HostPort: string }[]>; Binds: string[] };
    }[];
    expect(info!.Config.Env).toEqual(expect.arrayContaining(['ZIP=007', 'VERSION=1.10']));
    expect(info!.HostConfig.PortBindings).toEqual({
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '18471' }],
      '81/tcp': [{ HostIp: '', HostPort: '18472' }],
      '82/tcp': [{ HostIp: '', HostPort: '18473' }],
      '53/udp': [{ HostIp: '', HostPort: '18474' }],
    });
    expect(info!.HostConfig.Binds).toEqual([`${path.join(tmp.dir, 'www')}:/www:ro`]);
    expect(await pageWhenServed('http://127.0.0.1:18471/')).toBe('served from the host folder\n');
    const d = await pctl(['destroy'], { cwd: tmp.dir });
    expect(d.exitCode).toBe(0);
    expect(await labelled('container', STACK)).toEqual([]);
  });
});
