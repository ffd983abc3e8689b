// Builders and the entrypoint override, on the real engine: `entrypoint` changes the built
// image without touching the user's Dockerfile; `builder: custom` runs the user's argument
// array with {context}, {dockerfile} and {image} filled in; `builder: buildx` without the
// plugin is one clear error with the fix.
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'builders';
const stack = useStack();
const DOCKERFILE = 'FROM busybox:latest\nCOPY hello.txt /hello.txt\nENTRYPOINT ["/bin/cat"]\nCMD ["/hello.txt"]\n';

const images = (stdout: string) =>
  Object.fromEntries(
    JSON.parse(stdout).images.map((i: { service: string; ref: string; built: boolean }) => [i.service, i]),
  );
const inspect = async (ref: string, field: string) =>
  (await execa('docker', ['image', 'inspect', '--format', `{{json ${field}}}`, ref])).stdout.trim();

beforeAll(async () => {
  await requireDocker();
  stack.write({
    'pctl.yaml': `name: ${STACK}
services:
  plain:
    build: { context: ./app }
    provider: { name: docker }
  wrapped:
    build: { context: ./app, entrypoint: ["/bin/echo", "wrapped:"] }
    provider: { name: docker }
  custom:
    build:
      context: ./app
      builder: custom
      command: ["docker", "build", "--label", "built-by=custom-builder", "-t", "{image}", "-f", "{dockerfile}", "{context}"]
    provider: { name: docker }
`,
    'app/Dockerfile': DOCKERFILE,
    'app/hello.txt': 'hello\n',
  });
});
afterAll(async () => {
  await removeStack(STACK);
  for (const ref of (
    await execa('docker', ['images', '--filter', `reference=pctl-${STACK}-*`, '--format', '{{.Repository}}:{{.Tag}}'])
  ).stdout
    .split('\n')
    .filter(Boolean)) {
    await execa('docker', ['rmi', '-f', ref], { reject: false });
  }
});

describe('builders', () => {
  it('applies the entrypoint override in memory and runs a custom builder command', async () => {
    const r = await stack.pctl(['build', '--json']);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    const built = images(r.stdout);
    // Same context, different entrypoint: different content tags.
    expect(built.plain.ref).not.toBe(built.wrapped.ref);
    expect(await inspect(built.plain.ref, '.Config.Entrypoint')).toBe('["/bin/cat"]');
    expect(await inspect(built.wrapped.ref, '.Config.Entrypoint')).toBe('["/bin/echo","wrapped:"]');
    expect(readFileSync(stack.path('app/Dockerfile'), 'utf8')).toBe(DOCKERFILE);
    const run = await execa('docker', ['run', '--rm', built.wrapped.ref]);
    expect(run.stdout.trim()).toBe('wrapped: /hello.txt');
    // The custom command ran, with the placeholders filled in.
    expect(await inspect(built.custom.ref, '.Config.Labels')).toContain('"built-by":"custom-builder"');
    expect(built.custom.ref).toMatch(new RegExp(`^pctl-${STACK}-custom:[0-9a-f]{12}$`));
    // Nothing changed: the docker-built images are not built again.
    const again = images((await stack.pctl(['build', '--json'])).stdout);
    expect(again.plain.built).toBe(false);
    expect(again.wrapped.built).toBe(false);
  });

  it('names the missing buildx plugin and the fix', async () => {
    const y = readFileSync(stack.path('pctl.yaml'), 'utf8');
    writeFileSync(
      stack.path('pctl.yaml'),
      y.replace('build: { context: ./app }', 'build: { context: ./app, builder: buildx }'),
    );
    const has = await execa('docker', ['buildx', 'version'], { reject: false });
    const r = await stack.pctl(['build', 'plain', '--force-build']);
    if (has.exitCode === 0) {
      expect(r.exitCode).toBe(0); // a machine with buildx builds with it
      return;
    }
    expect(r.exitCode).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /builder buildx is set but the docker buildx plugin is not installed \(install it \(Debian: apt-get install docker-buildx\), or use builder: docker\)/,
    );
  });
});
