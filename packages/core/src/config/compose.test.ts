// Environments and includes, through loadStack: what the composed stack holds and where
// each error is reported.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPctlError } from '../errors.js';
import { ConfigError, formatIssues, loadStack } from './load.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-compose-'));
  mkdirSync(path.join(dir, '.git'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(files: Record<string, string>) {
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), body);
  }
}
const load = (environment?: string, env: NodeJS.ProcessEnv = {}, file = 'pctl.yaml') =>
  loadStack({ configPath: file, cwd: dir, env, environment });
async function errorLines(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ConfigError) return formatIssues(e.file, e.issues);
    throw e;
  }
  throw new Error('expected a ConfigError');
}
async function pctlError(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (isPctlError(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

const STACK = `name: shop
custom:
  replicas: 1
services:
  api:
    image: busybox:latest
    env:
      MODE: base
      KEEP: yes
    ports: [8080, 9090]
    scale:
      replica: \${self:custom.replicas}
    provider:
      name: docker
environments:
  dev:
    services:
      api:
        env:
          MODE: dev
  prod:
    name: shop-production
    custom:
      replicas: 3
    services:
      api:
        ports: [80]
        env:
          KEEP: null
        provider:
          name: kind
          options: { cluster: prod }
`;

describe('environments', () => {
  it('without --env the base stack loads as written', async () => {
    write({ 'pctl.yaml': STACK });
    const s = await load();
    expect(s.config.name).toBe('shop');
    expect(s.config.services.api!.env).toEqual({ MODE: 'base', KEEP: 'yes' });
    expect(s.environments).toEqual(['dev', 'prod']);
    expect(s.environment).toBeUndefined();
  });

  it('an environment is its own stack, <name>-<env>, with its values merged over the base', async () => {
    write({ 'pctl.yaml': STACK });
    const s = await load('dev');
    expect(s.config.name).toBe('shop-dev');
    expect(s.config.services.api!.env).toEqual({ MODE: 'dev', KEEP: 'yes' });
    expect(s.config.services.api!.ports).toEqual([8080, 9090]);
    expect(s.config.services.api!.provider.name).toBe('docker');
    expect(s.environment).toBe('dev');
  });

  it('lists are replaced, null removes, the provider may change, and ${self:} sees the merged stack', async () => {
    write({ 'pctl.yaml': STACK });
    const s = await load('prod');
    expect(s.config.name).toBe('shop-production');
    expect(s.config.services.api!.ports).toEqual([80]);
    expect(s.config.services.api!.env).toEqual({ MODE: 'base' });
    expect(s.config.services.api!.provider).toEqual({ name: 'kind', options: { cluster: 'prod' } });
    expect(s.config.services.api!.scale?.replica).toBe(3);
  });

  it('an unknown environment is exit 2 naming the closest one', async () => {
    write({ 'pctl.yaml': STACK });
    const e = await pctlError(load('prd'));
    expect(e.code).toBe('UnknownEnvironment');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('no environment "prd" in pctl.yaml (did you mean "prod"?)');
  });

  it('--env on a file with no environments says so', async () => {
    write({ 'pctl.yaml': 'name: a\nservices:\n  x: { image: busybox, provider: { name: docker } }\n' });
    const e = await pctlError(load('dev'));
    expect(e.code).toBe('UnknownEnvironment');
    expect(e.message).toBe('pctl.yaml defines no environments, so --env dev names nothing');
  });

  it("reports an error at the environment's own line when the value came from it, else at the base's, tagged with the environment", async () => {
    write({
      'pctl.yaml': `name: shop
services:
  api:
    image: busybox
    ports: [99999]
    provider: { name: docker }
environments:
  dev:
    services:
      api:
        scale:
          replicas: 2
`,
    });
    expect(await errorLines(load('dev'))).toEqual([
      'pctl.yaml:5 [env dev] services.api.ports.0: port 99999 is outside 1-65535',
      'pctl.yaml:12 [env dev] services.api.scale.replicas: unknown field "replicas" (did you mean "replica"?)',
    ]);
  });

  it('refuses a badly shaped environments block and the reserved name "all", with lines', async () => {
    write({
      'pctl.yaml': `name: shop
services:
  api: { image: busybox, provider: { name: docker } }
environments:
  all: {}
  "bad name": {}
  dev: [1, 2]
`,
    });
    const lines = await errorLines(load());
    expect(lines).toEqual([
      'pctl.yaml:5 environments.all: "all" is reserved (--env all validates every environment): rename it',
      `pctl.yaml:6 environments.bad name: environment name may hold letters, digits, '-' and '_', starting and ending with a letter or digit, at most 63 characters`,
      'pctl.yaml:7 environments.dev: an environment is a partial stack (a map), like { services: { api: { scale: { replica: 3 } } } }',
    ]);
  });

  it('a service moved to another provider keeps only the options the environment gives; the same provider merges them', async () => {
    write({
      'pctl.yaml': `name: shop
services:
  api:
    image: busybox
    provider: { name: docker, options: { host: ssh://deploy@example.com } }
environments:
  staging:
    services:
      api: { provider: { name: kind, options: { cluster: staging } } }
  bare:
    services:
      api: { provider: { name: kind } }
  remote:
    services:
      api: { provider: { options: { sudo: true } } }
`,
    });
    expect((await load('staging')).config.services.api!.provider).toEqual({
      name: 'kind',
      options: { cluster: 'staging' },
    });
    expect((await load('bare')).config.services.api!.provider).toEqual({ name: 'kind', options: {} });
    expect((await load('remote')).config.services.api!.provider).toEqual({
      name: 'docker',
      options: { host: 'ssh://deploy@example.com', sudo: true },
    });
  });

  it('an environment that names itself keeps that name; one that removes a service deploys without it', async () => {
    write({
      'pctl.yaml': `name: shop
services:
  api: { image: busybox, provider: { name: docker } }
  debug: { image: busybox, provider: { name: docker } }
environments:
  prod:
    services:
      debug: null
`,
    });
    expect(Object.keys((await load('prod')).config.services)).toEqual(['api']);
  });
});

describe('include', () => {
  it('takes the services of other files, their relative paths from their own folder', async () => {
    write({
      'pctl.yaml': `name: shop
include: [./svc/api.yaml]
services:
  web: { image: busybox, provider: { name: docker } }
`,
      'svc/api.yaml': `services:
  api:
    image: ./app
    env:
      GREETING: \${file:greeting.txt}
    volumes: ["./data:/data"]
    manifests: [./k8s/extra.yaml]
    provider: { name: kind }
  worker:
    build: { context: ./worker, dockerfile: Dockerfile.w }
    provider: { name: docker }
`,
      'svc/greeting.txt': 'hello from svc\n',
      'svc/app/Dockerfile': 'FROM busybox\n',
    });
    const s = await load();
    expect(Object.keys(s.config.services).sort()).toEqual(['api', 'web', 'worker']);
    const api = s.config.services.api!;
    expect(api.image).toBe('./svc/app');
    expect(api.env).toEqual({ GREETING: 'hello from svc' });
    expect(api.volumes).toEqual([{ path: '/data', hostPath: path.join(dir, 'svc/data') }]);
    expect(api.manifests).toEqual(['./svc/k8s/extra.yaml']);
    expect(s.config.services.worker!.build).toEqual({ context: './svc/worker', dockerfile: 'Dockerfile.w' });
    // A Dockerfile path builds with its own file's folder as the context, as in the top file.
    write({ 'svc/api.yaml': 'services:\n  api:\n    image: ./app/Dockerfile\n    provider: { name: docker }\n' });
    expect((await load()).config.services.api).toMatchObject({
      build: { context: './svc', dockerfile: path.join('app', 'Dockerfile') },
    });
    expect(s.fileOf?.(['services', 'api', 'image'])).toBe(path.join('svc', 'api.yaml'));
    expect(s.fileOf?.(['services', 'web'])).toBeUndefined();
  });

  it('a service named twice is an error naming both files and lines', async () => {
    write({
      'pctl.yaml': `name: shop
include: [./a.yaml, ./b.yaml]
services:
  web: { image: busybox, provider: { name: docker } }
`,
      'a.yaml': 'services:\n  api: { image: busybox, provider: { name: docker } }\n',
      'b.yaml':
        '\nservices:\n  other: { image: busybox, provider: { name: docker } }\n  api: { image: busybox, provider: { name: docker } }\n  web: { image: busybox, provider: { name: docker } }\n',
    });
    expect(await errorLines(load())).toEqual([
      'b.yaml:4 services.api: service "api" is defined twice: in a.yaml:2 and in b.yaml:4; rename one, or remove one of them',
      'b.yaml:5 services.web: service "web" is defined twice: in pctl.yaml:4 and in b.yaml:5; rename one, or remove one of them',
    ]);
  });

  it('an include cycle is exit 2 naming the cycle', async () => {
    write({
      'pctl.yaml': 'name: shop\ninclude: [./a.yaml]\nservices: {}\n',
      'a.yaml': 'include: [./sub/b.yaml]\nservices: {}\n',
      'sub/b.yaml': 'include:\n  - ../a.yaml\n',
    });
    const e = await pctlError(load());
    expect(e.code).toBe('IncludeCycle');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(
      `${path.join('sub', 'b.yaml')}:2 include.0: include cycle: a.yaml -> ${path.join('sub', 'b.yaml')} -> a.yaml`,
    );
  });

  it('a file including the top stack file is a cycle too; a file reached twice is read once', async () => {
    write({ 'pctl.yaml': 'name: shop\ninclude: [./a.yaml]\nservices: {}\n', 'a.yaml': 'include: [./pctl.yaml]\n' });
    expect((await pctlError(load())).message).toMatch(/include cycle: pctl\.yaml -> a\.yaml -> pctl\.yaml$/);
    write({
      'pctl.yaml': 'name: shop\ninclude: [./a.yaml, ./b.yaml]\nservices: {}\n',
      'a.yaml': 'include: [./c.yaml]\n',
      'b.yaml': 'include: [./c.yaml]\n',
      'c.yaml': 'services:\n  api: { image: busybox, provider: { name: docker } }\n',
    });
    expect(Object.keys((await load()).config.services)).toEqual(['api']);
  });

  it('refuses a path outside the repository, also through a symlink', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'pctl-outside-'));
    try {
      writeFileSync(path.join(outside, 'x.yaml'), 'services: {}\n');
      symlinkSync(path.join(outside, 'x.yaml'), path.join(dir, 'link.yaml'));
      write({
        'pctl.yaml': `name: shop\ninclude:\n  - ../${path.basename(outside)}/x.yaml\n  - ./link.yaml\nservices: {}\n`,
      });
      const lines = await errorLines(load());
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(
        /^pctl\.yaml:3 include\.0: ".*x\.yaml" is outside the repository \(.*\): include only stack files inside it$/,
      );
      expect(lines[1]).toMatch(/^pctl\.yaml:4 include\.1: "\.\/link\.yaml" is outside the repository/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('the repository is the nearest folder holding .git: a parent folder inside it may be included', async () => {
    write({
      'deploy/pctl.yaml': 'name: shop\ninclude: [../services/api.yaml]\nservices: {}\n',
      'services/api.yaml': 'services:\n  api: { image: ./api, provider: { name: docker } }\n',
      'services/api/Dockerfile': 'FROM busybox\n',
    });
    const s = await load(undefined, {}, 'deploy/pctl.yaml');
    expect(s.config.services.api!.image).toBe('../services/api');
  });

  it('reports what is wrong in an included file at its own file and line', async () => {
    write({
      'pctl.yaml': 'name: shop\ninclude: [./a.yaml, ./missing.yaml]\nservices: {}\n',
      'a.yaml':
        'custom: { x: 1 }\nservices:\n  api:\n    image: busybox\n    provider: { name: docker }\n    ports: [0]\n',
    });
    expect(await errorLines(load())).toEqual([
      `pctl.yaml:2 include.1: "./missing.yaml": the included stack file ${path.join(dir, 'missing.yaml')} does not exist`,
      'a.yaml:1 custom: `custom` is not taken from an included stack file (only services and include are): move it to pctl.yaml',
    ]);
    write({
      'pctl.yaml': 'name: shop\ninclude: [./a.yaml]\nservices: {}\n',
      'a.yaml': 'services:\n  api:\n    image: busybox\n    provider: { name: docker }\n    ports: [0]\n',
    });
    expect(await errorLines(load())).toEqual(['a.yaml:5 services.api.ports.0: port 0 is outside 1-65535']);
  });

  it('an environment may override an included service; its values are placed in the top file', async () => {
    write({
      'pctl.yaml': `name: shop
include: [./a.yaml]
services: {}
environments:
  dev:
    services:
      api:
        image: ./local
        scale: { replicaz: 1 }
`,
      'a.yaml': 'services:\n  api:\n    image: ./app\n    provider: { name: docker }\n',
    });
    expect(await errorLines(load('dev'))).toEqual([
      'pctl.yaml:9 [env dev] services.api.scale.replicaz: unknown field "replicaz" (did you mean "replica"?)',
    ]);
    write({
      'pctl.yaml':
        'name: shop\ninclude: [./sub/a.yaml]\nservices: {}\nenvironments:\n  dev:\n    services:\n      api:\n        image: ./local\n',
      'sub/a.yaml': 'services:\n  api:\n    image: ./app\n    provider: { name: docker }\n',
    });
    expect((await load('dev')).config.services.api!.image).toBe('./local');
    expect((await load()).config.services.api!.image).toBe('./sub/app');
  });
});

describe('docs/using/environments.md', () => {
  it('its example stack composes for every environment as the page says', async () => {
    const page = readFileSync(new URL('../../../../docs/using/environments.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n# pctl\.yaml\n([\s\S]*?)```/.exec(page)![1]!;
    write({
      'pctl.yaml': yaml,
      'services/api.yaml':
        'services:\n  api:\n    image: busybox:latest\n    env: { DEBUG: "1", LEVEL: info }\n    provider: { name: docker }\n',
      'web/Dockerfile': 'FROM busybox\n',
    });
    const dev = await load('dev');
    expect([dev.config.name, dev.config.services.web!.env]).toEqual(['shop-dev', { MODE: 'dev' }]);
    expect((await load('staging')).config.services.api!.provider.name).toBe('kind');
    const prod = await load('prod');
    expect(prod.config.name).toBe('shop-production');
    expect(prod.config.services.web!.ports).toEqual([80]);
    expect(prod.config.services.api!.env).toEqual({ LEVEL: 'info' });
    expect(prod.config.services.web!.env).toEqual({ MODE: 'prod' });
  });
});
