import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { originalFingerprints } from './originalFingerprint.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-ofp-'));
writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (s: string, enc: 'hex' | 'base64' = 'hex') => createHash('sha256').update(s).digest(enc);
const md5 = (s: string, enc: 'hex' | 'base64' = 'hex') => createHash('md5').update(s).digest(enc);

describe("the original pctl's fingerprint", () => {
  it('is sha256 of the deep-sorted JSON without provider, plus the Dockerfile md5 for a ./ image', () => {
    const svc = { provider: { name: 'docker' }, image: './Dockerfile', env: { B: '2', A: '1' } };
    const all = originalFingerprints(svc, dir);
    expect(all.has(sha('{"env":{"A":"1","B":"2"},"image":"./Dockerfile"}' + md5('FROM busybox\n')))).toBe(true);
    // Base64 readings of either digest, and keys sorted at the top level only.
    expect(
      all.has(sha('{"env":{"A":"1","B":"2"},"image":"./Dockerfile"}' + md5('FROM busybox\n', 'base64'), 'base64')),
    ).toBe(true);
    expect(all.has(sha('{"env":{"B":"2","A":"1"},"image":"./Dockerfile"}' + md5('FROM busybox\n')))).toBe(true);
  });

  it('reads the documented defaults both ways, and hashes a prebuilt image without a Dockerfile', () => {
    const svc = { provider: { name: 'docker' }, image: 'nginx:1.25', health: { interval: 5, command: 'true' } };
    const all = originalFingerprints(svc, dir);
    expect(all.has(sha('{"health":{"command":"true","interval":5},"image":"nginx:1.25"}'))).toBe(true);
    expect(
      all.has(sha('{"health":{"command":"true","interval":5,"onfailure":"restart","retries":3},"image":"nginx:1.25"}')),
    ).toBe(true);
    expect(
      all.has(
        sha(
          '{"health":{"command":"true","interval":5,"onfailure":"restart","retries":3},"image":"nginx:1.25","scale":{"replica":1}}',
        ),
      ),
    ).toBe(true);
  });

  it('changes with the service and with the Dockerfile, never with provider options', () => {
    const base = { provider: { name: 'docker' }, image: './Dockerfile', command: 'a' };
    const fp = [...originalFingerprints(base, dir)][0]!;
    expect(originalFingerprints({ ...base, provider: { name: 'docker', options: { host: 'h' } } }, dir).has(fp)).toBe(
      true,
    );
    expect(originalFingerprints({ ...base, command: 'b' }, dir).has(fp)).toBe(false);
    const other = mkdtempSync(path.join(os.tmpdir(), 'pctl-ofp-'));
    writeFileSync(path.join(other, 'Dockerfile'), 'FROM busybox:1\n');
    expect(originalFingerprints(base, other).has(fp)).toBe(false);
    rmSync(other, { recursive: true, force: true });
  });
});
