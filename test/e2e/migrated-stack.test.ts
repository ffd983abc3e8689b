// A stack file written for the original pctl, on the real Docker engine: names with '_' and
// upper case (objects named by resourceName), Docker's port forms (host address, ranges,
// udp), a host folder relative to the stack file, and env values passed as written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, labelled, removeStack, requireDocker } from '../helpers/docker.js';
import { until } from '../helpers/until.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'Mig_App';
const stack = useStack();

beforeAll(async () => {
  await requireDocker();
  stack.write({
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
});

// The page once httpd answers (it starts just after the container does).
function pageWhenServed(url: string): Promise<string> {
  return until(`${url} to answer`, async () => (await fetch(url)).text());
}

describe('a stack file from the original pctl on Docker', () => {
  it('deploys with derived names, every port form, the host folder and env as written', async () => {
    const r = await stack.pctl(['deploy']);
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
    expect(info!.HostConfig.Binds).toEqual([`${stack.path('www')}:/www:ro`]);
    expect(await pageWhenServed('http://127.0.0.1:18471/')).toBe('served from the host folder\n');
    const d = await stack.pctl(['destroy']);
    expect(d.exitCode).toBe(0);
    expect(await labelled('container', STACK)).toEqual([]);
  });
});
