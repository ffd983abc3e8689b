// Stack files of the original pctl's own documentation that an earlier pctl refused, run
// for real: one container port behind two service ports, on the Docker engine (both host
// ports answer) and on EKS (two Service ports); aws `credentials: { region }` with no keys,
// deployed against the AWS fake with the keys of the SDK's chain (the environment) in that
// region, which the fake checks in every signature.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsWorld, type AwsWorld } from '../helpers/awsWorld.js';
import { pctl, tempDir, writeTree } from '../helpers/cli.js';
import { docker, removeStack, requireDocker } from '../helpers/docker.js';
import { freePort } from '../helpers/sshd.js';

const DOCKER_STACK = 'migports';
const AWS_STACK = 'migcreds';
const REGION = 'eu-west-1';
const main = { accessKeyId: 'AKIAPCTLMIGRATION001', secretAccessKey: 'pctl-migration/secret+Key00000000000001' };

let tmp: ReturnType<typeof tempDir>;
let world: AwsWorld | undefined;

// Asks until the port answers (the container may still be starting) or the deadline passes.
async function body(port: number, deadlineMs = 60_000): Promise<string> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/index.html`);
      if (r.ok) return await r.text();
    } catch (e) {
      if (Date.now() > until) throw e;
    }
    if (Date.now() > until) throw new Error(`127.0.0.1:${port} did not answer within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  tmp = tempDir('pctl-migration-');
});
afterAll(async () => {
  await removeStack(DOCKER_STACK);
  await removeStack(AWS_STACK);
  await world?.stop();
  tmp.cleanup();
}, 120_000);

describe("the original's documented forms, deployed", () => {
  it('ports [P, "Q:P"]: the engine publishes both host ports to one container port, and both answer', async () => {
    await requireDocker();
    const [p, q] = [await freePort(), await freePort()];
    const dir = path.join(tmp.dir, 'ports');
    writeTree(dir, {
      'pctl.yaml': `name: ${DOCKER_STACK}\nservices:\n  web:\n    image: ./Dockerfile\n    command: httpd -f -p ${p} -h /www\n    ports: [${p}, "${q}:${p}"]\n    provider:\n      name: docker\n`,
      Dockerfile: 'FROM busybox:latest\nCOPY index.html /www/index.html\n',
      'index.html': 'one container port',
    });
    const r = await pctl(['deploy'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const bindings = JSON.parse(
      await docker(['inspect', '--format', '{{json .HostConfig.PortBindings}}', `${DOCKER_STACK}-web`]),
    ) as Record<string, { HostPort: string }[]>;
    expect(bindings[`${p}/tcp`]!.map((b) => b.HostPort).sort()).toEqual([String(p), String(q)].sort());
    expect(await body(p)).toBe('one container port');
    expect(await body(q)).toBe('one container port');
    const d = await pctl(['destroy'], { cwd: dir });
    expect(d.exitCode, d.stderr).toBe(0);
  });

  it('aws credentials { region } alone: deploys with the keys of the SDK chain in that region, two Service ports for one container port', async () => {
    await requireDocker();
    world = await startAwsWorld({
      accountId: '271828182845',
      region: REGION,
      cluster: 'prod',
      credentials: [main],
      registryPassword: 'ecr-password-migration-41',
    });
    const dir = path.join(world.dir, 'stack');
    writeTree(dir, {
      'pctl.yaml': `name: ${AWS_STACK}
services:
  api:
    image: busybox:latest
    command: httpd -f -p 3000 -h /
    ports: [3000, "8080:3000"]
    provider:
      name: aws
      options:
        cluster: prod
        namespace: mig
        rolloutTimeout: 60
        credentials:
          region: ${REGION}
`,
    });
    // The keys come from the environment (the SDK's chain); no region anywhere but the block.
    const env = { ...world.env, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined };
    const r = await pctl(['deploy', '--json'], { cwd: dir, env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).services).toMatchObject([{ key: `${AWS_STACK}-api`, result: 'deployed' }]);
    const svc = world.kube.get('Service', 'mig', `${AWS_STACK}-api`) as {
      spec: { ports: { name: string; port: number; targetPort: number }[] };
    };
    expect(svc.spec.ports.map((x) => [x.name, x.port, x.targetPort])).toEqual([
      ['p-3000', 3000, 3000],
      ['p-8080', 8080, 3000],
    ]);
    expect(r.stderr + r.stdout).not.toContain(main.secretAccessKey);
    const d = await pctl(['destroy'], { cwd: dir, env });
    expect(d.exitCode, d.stderr).toBe(0);
    expect(world.kube.get('Deployment', 'mig', `${AWS_STACK}-api`)).toBeUndefined();
  });
});
