// The proof that no resolved secret is ever shown or stored: a stack whose secrets are
// canary strings of 3, 5, 8 and 32 characters (from ${env:}, ${file:} and a custom
// resolver), with a docker service and a kind service (fake kind, the Kubernetes API test
// server), goes through every command, with and without --json and -v, in success and
// in failure. No canary may appear in stdout, stderr, the state file, or a rendered object
// other than a Secret's data; and each did reach the services (so the test can fail).
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';
import { pctl, repoRoot, type PctlRun } from '../helpers/cli.js';
import { docker, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

// Chosen so that none occurs by accident in pctl's output, hashes or names.
const CANARIES = { c3: 'Qz7', c5: 'kX9pW', c8: 'Vb4nR8tJ', c32: 'Hq2Zp9Lw4Kx7Nc3Vb8Mt5Rj1Gf6Dy0Ss' } as const;
const STACK = 'canary';
const CLUSTER = `pctl-canary-${process.pid}`;
let server: KubeApiServer;
const stack = useStack({ prefix: 'pctl-canary-' });
let env: Record<string, string>;
const seen: { what: string; run: PctlRun }[] = [];

const secretEnv =
  'env: { A: "${env:CANARY3}", B: "${file:c5.txt}", C: "${vault:c8}", D: "${env:CANARY32}", MIXED: "user=${env:CANARY3};pw=${vault:c8}" }';
// The 3-character canary comes from an ordinary variable: marked, as any value under 8
// characters must be to count as a secret (docs/using/reliability.md, "Masking rule").
const stackYaml = (o: { webCommand: string; dependsOn?: string; apiDockerfile?: string }) => `name: ${STACK}
resolver: [./vault.mjs]
secrets: [CANARY3]
services:
  web:
    image: busybox:latest
    command: ${JSON.stringify(o.webCommand)}
    ${secretEnv}
    ${o.dependsOn ? `dependsOn: [${JSON.stringify(o.dependsOn)}]` : ''}
    provider: { name: docker, options: { timeout: 30 } }
  api:
    ${secretEnv}
    build: { context: ./api, args: { TOKEN: "\${vault:c8}" } }
    provider: { name: kind, options: { cluster: ${CLUSTER}, namespace: ${STACK} } }
`;

function leaks(text: string): string[] {
  return Object.values(CANARIES).filter((c) => text.includes(c));
}

async function run(what: string, args: string[]): Promise<PctlRun> {
  const r = await pctl(args, { cwd: stack.dir, env });
  seen.push({ what: `${what}: pctl ${args.join(' ')}`, run: r });
  expect(leaks(r.stdout), `${what}: stdout of pctl ${args.join(' ')}`).toEqual([]);
  expect(leaks(r.stderr), `${what}: stderr of pctl ${args.join(' ')}`).toEqual([]);
  for (const f of readdirSync(stack.dir).filter((n) => /^pctl\..*\.json(\.bak)?$/.test(n))) {
    expect(leaks(readFileSync(stack.path(f), 'utf8')), `${what}: ${f} after pctl ${args.join(' ')}`).toEqual([]);
  }
  return r;
}

// The configuration of every container on the engine that is not the stack's own (those
// hold the secrets by design). One removed by another test meanwhile is simply not shown.
async function containersNotOf(stack: string): Promise<unknown[]> {
  const ids = (await docker(['ps', '-aq', '--no-trunc'])).split('\n').filter(Boolean);
  if (!ids.length) return [];
  const r = await execa('docker', ['inspect', '--format', '{{json .}}', ...ids], { reject: false });
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { Config?: { Labels?: Record<string, string> } })
    .filter((c) => c.Config?.Labels?.['pctl-stack'] !== stack);
}

// Every rendered object, with a Secret's data left out (that is where secrets belong).
function withoutSecretData(objects: Record<string, unknown>[]): unknown[] {
  return objects.map((o) => (o.kind === 'Secret' ? { ...o, data: undefined, stringData: undefined } : o));
}

const FLAGS = [[], ['--json'], ['-v'], ['--json', '-v']];

beforeAll(async () => {
  await requireDocker();
  server = await startKubeApiServer({ contextName: `kind-${CLUSTER}` });
  stack.write({
    'c5.txt': `${CANARIES.c5}\n`,
    'vault.mjs': `export default class { constructor() { return function vault(key) { return { c8: ${JSON.stringify(CANARIES.c8)} }[key]; }; } }\n`,
    'api/Dockerfile':
      'FROM busybox\nARG TOKEN\nRUN echo "building with token $TOKEN"\nCOPY index.html /srv/index.html\n',
    'api/index.html': 'hello\n',
    'pctl.yaml': stackYaml({ webCommand: 'sleep 3600' }),
  });
  env = {
    CANARY3: CANARIES.c3,
    CANARY32: CANARIES.c32,
    PATH: `${path.join(repoRoot, 'test/fixtures/fake-kind')}:${process.env.PATH}`,
    KUBECONFIG: server.kubeconfigPath,
    PCTL_FAKE_KIND_LOG: stack.path('kind.log'),
    PCTL_FAKE_KIND_STATE: stack.path('kind-clusters.json'),
  };
}, 60_000);
afterAll(async () => {
  await execa('docker', ['rm', '-f', `${CLUSTER}-control-plane`], { reject: false });
  await removeStack(STACK);
  await server?.close();
});

describe('secret canaries', () => {
  it('never appear in any output or the state file, in success', async () => {
    for (const flags of FLAGS) {
      await run('success', ['validate', ...flags]);
      await run('success', ['plan', ...flags]);
      const rendered = await run('success', ['render', ...flags]);
      expect(rendered.exitCode, rendered.stderr).toBe(0);
      await run('success', ['build', ...flags]);
      const deployed = await run('success', ['deploy', ...flags]);
      expect(deployed.exitCode, deployed.stderr).toBe(0);
      expect((await run('success', ['status', ...flags])).exitCode).toBe(0);
      expect((await run('success', ['state', 'show', ...flags])).exitCode).toBe(0);
    }
    const json = await run('success', ['render', '--json']);
    const objects = (JSON.parse(json.stdout).rendered as { objects: Record<string, unknown>[] }[]).flatMap(
      (r) => r.objects,
    );
    expect(objects.length).toBeGreaterThan(0);
    expect(leaks(JSON.stringify(withoutSecretData(objects)))).toEqual([]);

    // The canaries did reach the services: in the container's environment...
    const containerEnv = (JSON.parse(await docker(['inspect', `${STACK}-web`]))[0].Config.Env as string[]).join('\n');
    expect(leaks(containerEnv).sort()).toEqual(Object.values(CANARIES).sort());
    // ...and in what the cluster holds for api (its Deployment or its env Secret).
    const held = ['Deployment', 'Secret']
      .map((k) => server.get(k, STACK, k === 'Secret' ? `${STACK}-api-env` : 'api'))
      .filter(Boolean);
    const heldText = JSON.stringify(held);
    const decoded = held.flatMap((o) =>
      Object.values((o as { data?: Record<string, string> }).data ?? {}).map((v) =>
        Buffer.from(v, 'base64').toString('utf8'),
      ),
    );
    expect(leaks(`${heldText}\n${decoded.join('\n')}`).sort()).toEqual(Object.values(CANARIES).sort());
  }, 900_000);

  it('never appear in any output or the state file, in failure', async () => {
    // A container that prints every secret and exits; a build that prints its token and fails.
    writeFileSync(stack.path('pctl.yaml'), stackYaml({ webCommand: 'echo "A=$A B=$B C=$C D=$D $MIXED" >&2; exit 3' }));
    for (const flags of FLAGS) {
      const deploy = await run('failing container', ['deploy', 'web', ...flags]);
      expect(deploy.exitCode).toBe(1);
      expect(deploy.stderr).toMatch(/exited with code 3/);
      expect(deploy.stderr).toMatch(/A=\*\*\* B=\*\*\* C=\*\*\* D=\*\*\* user=\*\*\*;pw=\*\*\*/);
      await run('failing container', ['status', ...flags]);
      await run('failing container', ['state', 'show', ...flags]);
      expect((await run('unknown service', ['render', 'nosuch', ...flags])).exitCode).toBe(2);
    }
    writeFileSync(stack.path('api/Dockerfile'), 'FROM busybox\nARG TOKEN\nRUN echo "token is $TOKEN" && exit 7\n');
    for (const flags of FLAGS) {
      const build = await run('failing build', ['build', '--force-build', ...flags]);
      expect(build.exitCode).toBe(1);
      const deploy = await run('failing build', ['deploy', ...flags]);
      expect(deploy.exitCode).toBe(1);
    }
    expect(seen.some((s) => /token is \*\*\*/.test(s.run.stderr + s.run.stdout))).toBe(true);
    // The failed step's container (its environment holds the build args) is not left on the engine.
    expect(leaks(JSON.stringify(await containersNotOf(STACK)))).toEqual([]);
    // A secret in a place that makes the stack file invalid.
    writeFileSync(stack.path('pctl.yaml'), stackYaml({ webCommand: 'sleep 3600', dependsOn: '${env:CANARY32}' }));
    for (const flags of FLAGS) {
      for (const cmd of [
        ['validate'],
        ['plan'],
        ['render'],
        ['build'],
        ['deploy'],
        ['status'],
        ['destroy'],
        ['state', 'show'],
      ]) {
        const r = await run('invalid stack file', [...cmd, ...flags]);
        expect(r.exitCode, `${cmd.join(' ')} ${flags.join(' ')}`).toBe(2);
      }
    }
    expect(seen.some((s) => /unknown service "\*\*\*"/.test(s.run.stderr))).toBe(true);
    // A short canary as a custom provider's error, thrown as a plain object.
    writeFileSync(
      stack.path('p.mjs'),
      `export default { apiVersion: 1, name: 'leaky', async deploy({ target }) { throw { message: 'refused ' + target.service.env.A + ' ' + target.service.env.B }; }, async destroy() {} };\n`,
    );
    writeFileSync(
      stack.path('leaky.yaml'),
      `name: ${STACK}odd\nsecrets: [CANARY3]\nproviders: { leaky: ./p.mjs }\nservices:\n  odd:\n    image: busybox:latest\n    env: { A: "\${env:CANARY3}", B: "\${file:c5.txt}" }\n    provider: { name: leaky }\n`,
    );
    for (const flags of FLAGS) {
      const r = await run('custom provider', ['deploy', '-c', 'leaky.yaml', ...flags]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/refused \*\*\* \*\*\*/);
    }
    writeFileSync(stack.path('pctl.yaml'), stackYaml({ webCommand: 'sleep 3600' }));
    writeFileSync(
      stack.path('api/Dockerfile'),
      'FROM busybox\nARG TOKEN\nRUN echo "building with token $TOKEN"\nCOPY index.html /srv/index.html\n',
    );
    for (const flags of FLAGS.slice(0, 2)) expect((await run('destroy', ['destroy', ...flags])).exitCode).toBe(0);
    expect(existsSync(stack.path(`pctl.${STACK}.json`))).toBe(true);
  }, 900_000);
});
