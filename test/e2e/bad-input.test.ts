// Bad input gets one clear error line, a non-zero exit code, and loses nothing:
// the state file and running containers stay as they were.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerIds, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'badinput';
const stack = useStack();
const stateFile = () => stack.path(`pctl.${STACK}.json`);
const goodYaml = `name: ${STACK}
services:
  app:
    image: ./app
    command: sleep 3600
    provider: { name: docker }
`;

// One line on stderr starting with "error:", no stack trace.
function expectOneLineError(stderr: string, pattern: RegExp) {
  const lines = stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('error:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at .*\(/);
}

beforeAll(async () => {
  await requireDocker();
  stack.write({
    'pctl.yaml': goodYaml,
    'app/Dockerfile': 'FROM busybox\nCOPY hello.txt /hello.txt\n',
    'app/hello.txt': 'hi\n',
  });
  const r = await stack.pctl(['deploy']);
  expect(r.stderr).not.toMatch(/^error/m);
  expect(r.exitCode).toBe(0);
});
afterAll(async () => {
  await removeStack(STACK);
});

async function expectNothingChanged(run: () => Promise<void>) {
  const stateBefore = readFileSync(stateFile(), 'utf8');
  const containersBefore = await containerIds(STACK);
  await run();
  expect(readFileSync(stateFile(), 'utf8')).toBe(stateBefore);
  expect(await containerIds(STACK)).toEqual(containersBefore);
}

const badConfigs: [string, string, RegExp][] = [
  ['malformed YAML', `name: ${STACK}\nservices:\n  app: [unclosed\n`, /bad\.yaml:\d+/],
  ['an unknown field', goodYaml.replace('command:', 'comand:'), /bad\.yaml:5.*comand/],
  [
    'a wrong type',
    goodYaml.replace('command: sleep 3600', 'scale: { replica: "three" }'),
    /services\.app\.scale\.replica/,
  ],
  [
    'a missing env var',
    goodYaml.replace('sleep 3600', 'sleep ${env:PCTL_TEST_SURELY_UNSET}'),
    /PCTL_TEST_SURELY_UNSET.*services\.app\.command|services\.app\.command.*PCTL_TEST_SURELY_UNSET/,
  ],
  [
    'a service name with shell characters',
    goodYaml.replace('  app:', '  "app;touch /tmp/pctl-pwned":'),
    /services\..*service name may hold/,
  ],
  [
    'manifests alone on the docker provider',
    goodYaml.replace('    image: ./app\n', '    manifests: [k8s.yaml]\n'),
    /services\.app\.image: provider docker needs an image/,
  ],
  [
    'stack-level manifests beside a service named manifests',
    `${goodYaml}  manifests:\n    image: busybox:latest\n    provider: { name: docker }\nmanifests:\n  files: [k8s.yaml]\n  provider: { name: kind }\n`,
    /bad\.yaml:\d+.*manifests.*a service has that name/,
  ],
  [
    'a YAML alias bomb',
    `name: ${STACK}\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nservices: {}\n`,
    /alias/i,
  ],
];

describe('bad input on deploy', () => {
  for (const [what, yaml, pattern] of badConfigs) {
    it(`rejects ${what} with exit 2, touching nothing`, async () => {
      writeFileSync(stack.path('bad.yaml'), yaml);
      await expectNothingChanged(async () => {
        const r = await stack.pctl(['deploy', '-c', 'bad.yaml', '--name', STACK]);
        expect(r.exitCode).toBe(2);
        expectOneLineError(r.stderr, pattern);
      });
      expect(existsSync(path.join(os.tmpdir(), 'pctl-pwned'))).toBe(false);
    });
  }

  it('stops on a corrupted state file, naming it, and leaves it as it is', async () => {
    const good = readFileSync(stateFile(), 'utf8');
    try {
      writeFileSync(stateFile(), good.slice(0, good.length / 2));
      await expectNothingChanged(async () => {
        const r = await stack.pctl(['deploy']);
        expect(r.exitCode).toBe(1);
        expectOneLineError(r.stderr, new RegExp(`pctl\\.${STACK}\\.json is not valid JSON.*pctl state recover`));
      });
      writeFileSync(stateFile(), JSON.stringify({ resources: [{ type: 'aws_instance' }] }));
      await expectNothingChanged(async () => {
        const r = await stack.pctl(['destroy']);
        expect(r.exitCode).toBe(1);
        expectOneLineError(r.stderr, /is not a pctl state file/);
      });
    } finally {
      writeFileSync(stateFile(), good);
    }
  });

  it('fails clearly with --no-wait while another run holds the lock', async () => {
    writeFileSync(
      `${stateFile()}.lock`,
      JSON.stringify({ pid: process.pid, host: os.hostname(), command: 'deploy', startedAt: 'now' }),
    );
    try {
      await expectNothingChanged(async () => {
        const r = await stack.pctl(['deploy', '--no-wait']);
        expect(r.exitCode).toBe(1);
        expectOneLineError(r.stderr, new RegExp(`locked by pid ${process.pid}`));
      });
    } finally {
      (await import('node:fs')).rmSync(`${stateFile()}.lock`, { force: true });
    }
  });

  it('names DOCKER_HOST and the fix when the engine is not running', async () => {
    writeFileSync(stack.path('app/hello.txt'), 'changed\n');
    try {
      await expectNothingChanged(async () => {
        const r = await stack.pctl(['deploy'], { env: { DOCKER_HOST: `unix://${stack.dir}/no-such-docker.sock` } });
        expect(r.exitCode).toBe(1);
        expectOneLineError(r.stderr, /Docker/);
      });
    } finally {
      writeFileSync(stack.path('app/hello.txt'), 'hi\n');
    }
  });

  it('rejects bad flag values with exit 2', async () => {
    const r = await stack.pctl(['deploy', '--concurrency', '0']);
    expect(r.exitCode).toBe(2);
    expectOneLineError(r.stderr, /--concurrency must be a positive integer/);
  });
});
