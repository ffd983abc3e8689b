// Deploys with a custom provider module (contract v1) and a bare-function provider.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pctl, tempDir } from '../helpers/cli.js';
import { useStack } from '../helpers/stack.js';

const stack = useStack({ example: 'custom-provider', each: true });

const state = () => JSON.parse(readFileSync(stack.path('pctl.custom.json'), 'utf8'));

describe('custom providers', () => {
  it('deploys, skips unchanged, removes orphans, destroys and redeploys', async () => {
    const first = await stack.pctl(['deploy']);
    expect(first.stderr).not.toContain('error');
    expect(first.exitCode).toBe(0);
    const api = JSON.parse(readFileSync(stack.path('out/custom-api.json'), 'utf8'));
    expect(api.labels).toEqual({ 'managed-by': 'pctl', 'pctl-stack': 'custom', 'pctl-service': 'custom-api' });
    expect(api.env).toEqual({ MODE: 'production' });
    expect(readFileSync(stack.path('legacy-out/custom-old.txt'), 'utf8')).toBe('registry.example.com/old:0.9');
    const s1 = state();
    expect(s1['custom-api']).toMatchObject({ provider: 'file', image: 'registry.example.com/api:1.2.3' });
    expect(s1['custom-api'].fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(s1['custom-old']).toMatchObject({ provider: 'legacy' });

    const second = await stack.pctl(['deploy', '--json']);
    expect(second.exitCode).toBe(0);
    const result = JSON.parse(second.stdout);
    expect(result.services.map((s: { key: string; result: string }) => [s.key, s.result]).sort()).toEqual([
      ['custom-api', 'skipped'],
      ['custom-worker', 'skipped'],
    ]);
    expect(second.stderr).toContain('custom-api unchanged, skipping');

    // An env change redeploys that service only.
    const third = await stack.pctl(['deploy', '--json'], { env: { APP_MODE: 'debug' } });
    const r3 = JSON.parse(third.stdout);
    expect(r3.services.find((s: { key: string }) => s.key === 'custom-api').result).toBe('deployed');
    expect(r3.services.find((s: { key: string }) => s.key === 'custom-worker').result).toBe('skipped');

    // A provider options change redeploys that service (and says why).
    const optYaml = readFileSync(stack.path('pctl.yaml'), 'utf8');
    writeFileSync(stack.path('pctl.yaml'), optYaml.replace(/(  worker:[\s\S]*?options: \{ dir: )out/, '$1out2'));
    const plan = await stack.pctl(['plan', '--json'], { env: { APP_MODE: 'debug' } });
    const planned = JSON.parse(plan.stdout).services.find((s: { key: string }) => s.key === 'custom-worker');
    expect(planned).toMatchObject({ action: 'update', reason: 'provider options changed' });
    const moved = await stack.pctl(['deploy', '--json'], { env: { APP_MODE: 'debug' } });
    expect(JSON.parse(moved.stdout).services.find((s: { key: string }) => s.key === 'custom-worker').result).toBe(
      'deployed',
    );
    expect(existsSync(stack.path('out2/custom-worker.json'))).toBe(true);
    writeFileSync(stack.path('pctl.yaml'), optYaml);

    // Removing a service from the file removes what it made and its state entry.
    const yaml = readFileSync(stack.path('pctl.yaml'), 'utf8');
    writeFileSync(stack.path('pctl.yaml'), yaml.replace(/  worker:\n(    .*\n)+?(?=  old:)/, ''));
    const fourth = await stack.pctl(['deploy'], { env: { APP_MODE: 'debug' } });
    expect(fourth.exitCode).toBe(0);
    expect(existsSync(stack.path('out/custom-worker.json'))).toBe(false);
    expect(state()['custom-worker']).toBeUndefined();

    const destroy = await stack.pctl(['destroy']);
    expect(destroy.exitCode).toBe(0);
    expect(existsSync(stack.path('out/custom-api.json'))).toBe(false);
    expect(existsSync(stack.path('legacy-out/custom-old.txt'))).toBe(false);
    expect(state()['custom-api'].destroyed).toBe(true);
    expect(state()['custom-old'].destroyed).toBe(true);

    // A destroyed entry never counts as unchanged.
    const again = await stack.pctl(['deploy'], { env: { APP_MODE: 'debug' } });
    expect(again.exitCode).toBe(0);
    expect(existsSync(stack.path('out/custom-api.json'))).toBe(true);
    expect(state()['custom-api'].destroyed).not.toBe(true);
  });

  it('rejects a provider module that speaks another apiVersion', async () => {
    writeFileSync(
      stack.path('file-provider.mjs'),
      'export default { apiVersion: 2, name: "file", deploy() {}, destroy() {} };\n',
    );
    const r = await stack.pctl(['deploy']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/provider file .* speaks apiVersion 2, this pctl supports 1/);
    expect(existsSync(stack.path('pctl.custom.json'))).toBe(false);
  });

  it('names the service and path for an unknown provider', async () => {
    const yaml = readFileSync(stack.path('pctl.yaml'), 'utf8');
    writeFileSync(
      stack.path('pctl.yaml'),
      yaml.replace('name: file\n      options: { dir: out }\n  worker', 'name: nope\n  worker'),
    );
    const r = await stack.pctl(['plan']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('services.api.provider.name: unknown provider "nope"');
  });

  it('runs a bare provider function registered the original way, under plugin:, and knows its name', async () => {
    const yaml = readFileSync(stack.path('pctl.yaml'), 'utf8')
      .replace('  legacy: ./legacy-provider.mjs\n', '')
      .replace('providers:\n', 'plugin:\n  - ./legacy-provider.mjs\nproviders:\n');
    writeFileSync(stack.path('pctl.yaml'), yaml);
    const validate = await stack.pctl(['validate']);
    expect(validate.stderr).toBe('');
    expect(validate.exitCode).toBe(0);
    const plan = await stack.pctl(['plan', '--json']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    // The plugin deploys its own services: plan lists only what pctl itself deploys.
    expect(
      JSON.parse(plan.stdout)
        .services.map((s: { key: string }) => s.key)
        .sort(),
    ).toEqual(['custom-api', 'custom-worker']);
    const deploy = await stack.pctl(['deploy']);
    expect(deploy.stderr).not.toMatch(/unknown provider|error/);
    expect(deploy.exitCode).toBe(0);
    expect(readFileSync(stack.path('legacy-out/custom-old.txt'), 'utf8')).toBe('registry.example.com/old:0.9');
    expect(state()['custom-old']).toMatchObject({ provider: 'legacy' });
    expect(state()['custom-api']).toMatchObject({ provider: 'file' });
    const destroy = await stack.pctl(['destroy']);
    expect(destroy.exitCode, destroy.stderr).toBe(0);
    expect(existsSync(stack.path('legacy-out/custom-old.txt'))).toBe(false);
    expect(state()['custom-old'].destroyed).toBe(true);
    // A name no plugin handles stays an error.
    writeFileSync(stack.path('pctl.yaml'), yaml.replace('name: legacy', 'name: legacyy'));
    const typo = await stack.pctl(['validate']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toMatch(/pctl\.yaml:\d+ services\.old\.provider\.name: unknown provider "legacyy"/);
  });

  it('runs an original plugin from a package that offers only `import`: it handles its provider and adds a field the next plugin reads', async () => {
    // The plugin as its author published it: ESM only, no `export const providers`, no `fields`.
    const legacy = readFileSync(stack.path('legacy-provider.mjs'), 'utf8').replace(
      'writeFileSync(`${out}/${key}.txt`, service.image)',
      'writeFileSync(`${out}/${key}.txt`, `${service.image} for ${service.owner}`)',
    );
    mkdirSync(stack.path('node_modules/@acme/pctl-legacy'), { recursive: true });
    writeFileSync(
      stack.path('node_modules/@acme/pctl-legacy/package.json'),
      JSON.stringify({ name: '@acme/pctl-legacy', type: 'module', exports: { '.': { import: './index.js' } } }),
    );
    writeFileSync(stack.path('node_modules/@acme/pctl-legacy/index.js'), legacy);
    writeFileSync(
      stack.path('owners.mjs'),
      'export default async (parsed) => { for (const s of Object.values(parsed.services)) s.owner = "team-a"; };\n',
    );
    const yaml = readFileSync(stack.path('pctl.yaml'), 'utf8')
      .replace('  legacy: ./legacy-provider.mjs\n', '')
      .replace('providers:\n', 'plugin:\n  - ./owners.mjs\n  - "@acme/pctl-legacy"\nproviders:\n');
    writeFileSync(stack.path('pctl.yaml'), yaml);
    const validate = await stack.pctl(['validate']);
    expect(validate.stderr).toBe('');
    expect(validate.exitCode).toBe(0);
    const deploy = await stack.pctl(['deploy']);
    expect(deploy.stderr).not.toMatch(/unknown|error/);
    expect(deploy.exitCode).toBe(0);
    expect(readFileSync(stack.path('legacy-out/custom-old.txt'), 'utf8')).toBe(
      'registry.example.com/old:0.9 for team-a',
    );
    expect(state()['custom-api']).toMatchObject({ provider: 'file' });
    const destroy = await stack.pctl(['destroy']);
    expect(destroy.exitCode, destroy.stderr).toBe(0);
    expect(existsSync(stack.path('legacy-out/custom-old.txt'))).toBe(false);
  });

  it('validate finds what plan would refuse: unknown providers, option errors, modules that fail to load, each with file:line', async () => {
    writeFileSync(stack.path('broken.mjs'), 'throw new Error("syntax of the future");\n');
    const yaml = [
      'name: custom',
      'providers:',
      '  file: ./file-provider.mjs',
      '  broken: ./broken.mjs',
      'services:',
      '  api:',
      '    image: registry.example.com/api:1',
      '    provider: { name: file, options: { dir: 42 } }',
      '  web:',
      '    image: registry.example.com/web:1',
      '    provider: { name: nope }',
      '  worker:',
      '    image: registry.example.com/worker:1',
      '    provider: { name: broken }',
      '',
    ].join('\n');
    writeFileSync(stack.path('pctl.yaml'), yaml);
    const v = await stack.pctl(['validate']);
    expect(v.exitCode).toBe(2);
    expect(v.stderr).toMatch(/pctl\.yaml:8 services\.api\.provider\.options\.dir: must be a string/);
    expect(v.stderr).toMatch(/pctl\.yaml:11 services\.web\.provider\.name: unknown provider "nope"/);
    expect(v.stderr).toMatch(
      /pctl\.yaml:4 providers\.broken: cannot load provider broken from .*broken\.mjs: syntax of the future/,
    );
    const plan = await stack.pctl(['plan']);
    expect(plan.exitCode).toBe(2);
    expect(
      plan.stderr
        .split('\n')
        .filter((l) => /pctl\.yaml:\d+/.test(l))
        .sort(),
    ).toEqual(
      v.stderr
        .split('\n')
        .filter((l) => /pctl\.yaml:\d+/.test(l))
        .sort(),
    );
  });

  it('keeps 4 services in progress on deploy and 32 on destroy by default, and --concurrency sets both', async () => {
    // Each call waits until `want` calls are in progress at once (a barrier), then records
    // the most it saw. Too few slots never fill the barrier: the step timeout fails the run.
    const t = tempDir();
    try {
      const services = Array.from(
        { length: 40 },
        (_, i) => `  s${i}:\n    image: busybox:1\n    provider: { name: bar }\n`,
      ).join('');
      writeFileSync(
        path.join(t.dir, 'pctl.yaml'),
        `name: slots\nproviders:\n  bar: ./barrier.mjs\nservices:\n${services}`,
      );
      writeFileSync(
        path.join(t.dir, 'barrier.mjs'),
        `import { writeFileSync } from 'node:fs';
let now = 0, most = 0, started = 0, waiting = [];
const want = Number(process.env.WANT);
async function slot() {
  now++; started++; most = Math.max(most, now);
  // The last services may be fewer than want: once all have started, none waits.
  if (now >= want || started === 40) { for (const w of waiting.splice(0)) w(); } else await new Promise((r) => waiting.push(r));
  now--;
  writeFileSync(process.env.MOST_FILE, String(most));
}
export default {
  apiVersion: 1, name: 'bar',
  async deploy({ target }) { await slot(); return { provider: 'bar', fingerprint: target.fingerprint }; },
  async destroy() { await slot(); },
};
`,
      );
      const most = path.join(t.dir, 'most.txt');
      const run = async (args: string[], want: number) => {
        const r = await pctl([...args, '--step-timeout', '30s'], {
          cwd: t.dir,
          env: { WANT: String(want), MOST_FILE: most },
        });
        expect(r.exitCode, r.stderr).toBe(0);
        return Number(readFileSync(most, 'utf8'));
      };
      expect(await run(['deploy'], 4)).toBe(4);
      expect(await run(['destroy'], 32)).toBe(32);
      expect(await run(['deploy', '--concurrency', '5'], 5)).toBe(5);
      expect(await run(['destroy', '--concurrency', '5'], 5)).toBe(5);
    } finally {
      t.cleanup();
    }
  }, 300_000);
});
