import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dependencies, jobTimeoutSeconds } from './dependsOn.js';
import { ConfigError, loadStack } from './load.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-jobs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const load = (services: string) => {
  writeFileSync(path.join(dir, 'pctl.yaml'), `name: jobs\nservices:\n${services}`);
  return loadStack({ configPath: 'pctl.yaml', cwd: dir, env: {} });
};
async function messages(services: string): Promise<string[]> {
  try {
    await load(services);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error('expected a ConfigError');
}
const svc = (name: string, extra = '') =>
  `  ${name}:\n    image: busybox\n    provider: { name: docker }\n${extra ? `    ${extra}\n` : ''}`;

describe('kind: job and dependsOn conditions', () => {
  it('reads bare names and { service, condition } alike, and a job with its timeout', async () => {
    const { config } = await load(
      svc('migrate', 'kind: job\n    timeout: 90s') +
        svc('cache') +
        svc('api', 'dependsOn: [cache, { service: migrate, condition: completed }]'),
    );
    expect(dependencies(config.services.api)).toEqual([
      { service: 'cache', condition: 'deployed' },
      { service: 'migrate', condition: 'completed' },
    ]);
    expect(jobTimeoutSeconds(config.services.migrate!)).toBe(90);
    expect(jobTimeoutSeconds(config.services.cache!)).toBe(600);
  });

  it('keeps a bare name as it was written (fingerprints of existing stacks do not move)', async () => {
    const { config } = await load(svc('cache') + svc('api', 'dependsOn: [cache]'));
    expect(config.services.api!.dependsOn).toEqual(['cache']);
  });

  it('refuses a condition the dependency cannot meet, and fields a job has no use for', async () => {
    expect(
      await messages(
        svc('migrate', 'kind: job\n    ports: [80]') +
          svc('web', 'timeout: 5m') +
          svc(
            'api',
            'dependsOn: [{ service: web, condition: completed }, { service: web, condition: healthy }, { service: migrate, condition: started }, { service: nope }]',
          ),
      ),
    ).toEqual([
      'services.migrate.ports: a job publishes no ports (use `pctl run` for a one-off with a shell)',
      'services.web.timeout: timeout applies to a job: add kind: job, or remove timeout',
      'services.api.dependsOn.0.condition: condition completed needs a job: add kind: job to web, or use started',
      'services.api.dependsOn.1.condition: condition healthy needs a health check on web: add health:, or use started',
      'services.api.dependsOn.2.condition: migrate is a job: its dependents wait for it to finish, use condition: completed',
      'services.api.dependsOn.3.service: unknown service "nope" (services: migrate, web, api)',
    ]);
  });

  it('names a cycle through conditions', async () => {
    const m = await messages(
      svc('a', 'dependsOn: [{ service: b, condition: started }]') +
        svc('b', 'dependsOn: [{ service: a, condition: started }]'),
    );
    expect(m).toEqual(['services.a.dependsOn: dependsOn cycle: a -> b -> a']);
  });

  it('refuses an unknown condition', async () => {
    const m = await messages(svc('a') + svc('b', 'dependsOn: [{ service: a, condition: ready }]'));
    expect(m.join('\n')).toContain('services.b.dependsOn.0');
  });
});
