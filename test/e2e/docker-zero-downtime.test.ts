// Start-first replacement on the real engine: a client container on the stack's network
// sends requests in a loop to the service's alias while the service is redeployed with a
// new image ten times, then with a broken one. Every deploy ends with one container under
// the alias serving the new version; the broken one fails the run (exit 1, the service and
// its last log line named) and the old version keeps serving; the client's failed requests
// are counted.
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, labelled, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';
import { until } from '../helpers/until.js';

const STACK = 'safe-zd';
const CLIENT = 'safe-zd-client';
const REDEPLOYS = 10;
const stack = useStack({ prefix: 'safe-zd-' });

// A web server that answers `v<n>` and ends on SIGTERM (sh as PID 1 would ignore it).
const server = (version: string) => ({
  'web/Dockerfile': 'FROM busybox:latest\nCOPY index.html /w/index.html\nCMD ["sh", "-c", "httpd -f -p 8080 -h /w & p=$!; trap \'kill $p; exit 0\' TERM; wait $p"]\n',
  'web/index.html': `${version}\n`,
});
const stackFile = `name: ${STACK}
services:
  web:
    image: ./web
    health: { command: "printf 'GET / HTTP/1.0\\\\r\\\\n\\\\r\\\\n' | nc -w 1 127.0.0.1 8080 | grep -q '^v'", interval: 1, retries: 2 }
    provider: { name: docker }
`;

// The client: one HTTP/1.0 request after the other to web:8080, each answer counted as served or failed.
const CLIENT_LOOP = `ok=0; fail=0
while [ ! -f /tmp/stop ]; do
  r=$(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 web 8080 2>&1 | tail -n 1)
  case "$r" in v[0-9]*) ok=$((ok+1)); echo "$r" > /tmp/last ;; *) fail=$((fail+1)); echo "[$r]" >> /tmp/failures ;; esac
  echo "$ok $fail" > /tmp/counts
done
touch /tmp/done; sleep 3600`;

const inClient = (cmd: string) => docker(['exec', CLIENT, 'sh', '-c', cmd]);
const counts = async () => (await inClient('cat /tmp/counts 2>/dev/null || echo 0 0')).split(' ').map(Number) as [number, number];
const ask = () => inClient("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 web 8080 | tail -n 1");

beforeAll(async () => {
  await requireDocker();
  await removeStack(STACK);
  await execa('docker', ['rm', '-f', CLIENT], { reject: false });
});
afterAll(async () => {
  await execa('docker', ['rm', '-f', CLIENT], { reject: false });
  await removeStack(STACK);
});

describe('start-first on Docker', () => {
  it(`serves every request while redeployed ${REDEPLOYS} times, and keeps serving past a broken version`, async () => {
    stack.write({ 'pctl.yaml': stackFile, ...server('v0') });
    const first = await stack.pctl(['deploy']);
    expect(first.exitCode, first.stderr).toBe(0);
    await docker(['run', '-d', '--name', CLIENT, '--network', `pctl-${STACK}`, 'busybox:latest', 'sh', '-c', CLIENT_LOOP]);
    await until('the client to get answers', async () => (await counts())[0] > 10);

    for (let i = 1; i <= REDEPLOYS; i++) {
      stack.write(server(`v${i}`));
      const r = await stack.pctl(['deploy']);
      expect(r.exitCode, r.stderr).toBe(0);
      // One container under the alias, the new version: never two versions, never none.
      expect(await labelled('container', STACK)).toEqual([`${STACK}-web`]);
      expect(await ask()).toBe(`v${i}`);
    }

    // A broken version: the run fails naming the service and its last log line, the old one serves on.
    stack.write({ 'web/Dockerfile': 'FROM busybox:latest\nCMD ["sh", "-c", "echo missing DATABASE_URL >&2; exit 3"]\n' });
    const broken = await stack.pctl(['deploy']);
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toMatch(new RegExp(`${STACK}-web.*exited with code 3.*missing DATABASE_URL`));
    expect(await labelled('container', STACK)).toEqual([`${STACK}-web`]);
    expect(await ask()).toBe(`v${REDEPLOYS}`);
    const state = JSON.parse(stack.read(`pctl.${STACK}.json`));
    expect(JSON.stringify(state)).toContain(`"${STACK}-web"`);

    const before = (await counts())[0];
    await until('more answers after the broken deploy', async () => (await counts())[0] > before + 10);
    await inClient('touch /tmp/stop');
    await until('the client to stop', async () => (await inClient('ls /tmp/done 2>/dev/null || true')) !== '');
    const [ok, failed] = await counts();
    const failures = await inClient('cat /tmp/failures 2>/dev/null || true');
    console.log(`safe-zd: ${ok} answered, ${failed} failed${failures ? `:\n${failures}` : ''}`);
    expect(ok).toBeGreaterThan(REDEPLOYS * 10);
    expect(failures).toBe('');
    expect(failed).toBe(0);
  }, 600_000);
});
