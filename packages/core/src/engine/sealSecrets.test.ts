import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StackConfig } from '../config/schema.js';
import { canonicalJson, sha256 } from './canonical.js';
import { fingerprintService } from './fingerprint.js';
import { computeTargets } from './targets.js';

const config = (pin: string) =>
  ({
    name: 'pinstack',
    services: {
      vault: { image: 'busybox:latest', env: { PIN: pin, MODE: 'prod' }, provider: { name: 'docker', options: {} } },
      plain: { image: 'busybox:latest', env: { MODE: 'prod' }, provider: { name: 'docker', options: {} } },
    },
  }) as unknown as StackConfig;

// [vault, plain], whatever order computeTargets returns them in.
const targets = async (pin: string, secrets: string[]) => {
  const all = await computeTargets({ stack: 'pinstack', config: config(pin), configDir: '/nonexistent', secrets });
  return ['vault', 'plain'].map((n) => all.find((t) => t.name === n)!);
};

describe('fingerprints and config hashes of a service with a secret', () => {
  it('are not the plain sha256 of the config, so a short secret cannot be guessed from them', async () => {
    const [vault] = await targets('482913', ['482913']);
    // What an attacker who reads the state file or a container label would compute for each PIN.
    const guess = (pin: string) =>
      fingerprintService({ service: config(pin).services.vault!, imageRef: 'busybox:latest' });
    expect(vault!.fingerprint).not.toBe(guess('482913'));
    const { provider: _p, build: _b, ...rest } = config('482913').services.vault!;
    expect(vault!.configHash).not.toBe(sha256(canonicalJson({ ...rest, image: 'busybox:latest' })));
  });

  it('stay stable from run to run, change with the secret, and are untouched for a service without one', async () => {
    const [a, plainA] = await targets('482913', ['482913']);
    const [b] = await targets('482913', ['482913']);
    const [c] = await targets('482914', ['482914']);
    const [, plainUnsealed] = await targets('482913', []);
    expect(b!.fingerprint).toBe(a!.fingerprint);
    expect(c!.fingerprint).not.toBe(a!.fingerprint);
    expect(plainA!.fingerprint).toBe(plainUnsealed!.fingerprint);
  });
});

describe('the build hash of a build with a secret build arg', () => {
  it('is not the hash of the arg itself (it becomes the image tag and sits in the state file)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-seal-'));
    try {
      writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\nARG TOKEN\n');
      const stack = (token: string) =>
        ({
          name: 'pinstack',
          services: {
            api: { build: { context: '.', args: { TOKEN: token } }, provider: { name: 'docker', options: {} } },
          },
        }) as unknown as StackConfig;
      const hashOf = async (token: string, secrets: string[]) =>
        (await computeTargets({ stack: 'pinstack', config: stack(token), configDir: dir, secrets }))[0]!.image
          .buildHash;
      const sealed = await hashOf('482913', ['482913']);
      expect(sealed).not.toBe(await hashOf('482913', []));
      expect(sealed).toBe(await hashOf('482913', ['482913']));
      expect(sealed).not.toBe(await hashOf('482914', ['482914']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
