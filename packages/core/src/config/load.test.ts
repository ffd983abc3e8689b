import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadStack } from './load.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(files: Record<string, string>) {
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), body);
  }
}
const load = (env: NodeJS.ProcessEnv = {}, extra: { nameOverride?: string; file?: string } = {}) =>
  loadStack({ configPath: extra.file ?? 'pctl.yaml', cwd: dir, env, nameOverride: extra.nameOverride });
async function issuesOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('existing pctl files', () => {
  it('loads every field of the original format unchanged', async () => {
    write({
      'pctl.yaml': `name: my-app
resolver: []
plugin: []
custom:
  region: eu-west-1
services:
  api:
    image: ./api/Dockerfile
    registry: ghcr.io/org/api
    command: node server.js
    env: { NODE_ENV: production, PORT: 8080 }
    scale: { replica: 2, cpu: 256m, memory: 512Mi }
    ports: [8080, "9090:90"]
    health: { interval: 10, command: "curl -f localhost:8080", retries: 3, onfailure: restart }
    volumes: [{ path: /data }]
    provider: { name: docker, options: { host: example.com, user: deploy, key: ~/.ssh/id, sudo: true } }
  web:
    image: nginx:1.27
    registry: { url: registry.example.com/web, username: bot, password: s3cret }
    scale: { replica: [1, 5] }
    provider:
      name: aws
      options: { cluster: prod, namespace: web, strategy: RollingUpdate, rbac: [{ resources: [pods], verbs: [get] }], storage: { size: 10Gi } }
`,
      'api/Dockerfile': 'FROM busybox\n',
    });
    const { config } = await load();
    expect(config.name).toBe('my-app');
    expect(config.services.api!.env).toEqual({ NODE_ENV: 'production', PORT: '8080' });
    expect(config.services.api!.scale).toEqual({ replica: 2, cpu: '256m', memory: '512Mi' });
    expect(config.services.web!.scale!.replica).toEqual([1, 5]);
    expect(config.services.web!.provider.options).toMatchObject({ cluster: 'prod', namespace: 'web' });
    expect(config.services.api!.health).toEqual({
      interval: 10,
      command: 'curl -f localhost:8080',
      retries: 3,
      onfailure: 'restart',
    });
  });
});

describe('references', () => {
  it('resolves env, self, file, fallbacks, nesting and whole-string values', async () => {
    write({
      'pctl.yaml': `name: app
custom:
  port: 8080
  tags: { team: core }
  which: DB_URL
services:
  api:
    image: nginx:1
    env:
      A: \${env:HOME_DIR}
      B: \${env:MISSING, fallback value}
      C: "\${self:custom.port}"
      D: http://\${env:HOST, localhost}:\${self:custom.port}/x
      E: \${env:\${self:custom.which}}
      F: \${env:NOPE, \${env:HOME_DIR}}
      G: \${file:secret.txt}
      H: \${HOME} stays as it is
    provider: { name: docker }
`,
      'secret.txt': 'hunter2hunter2\n',
    });
    const { config, secrets } = await load({ HOME_DIR: '/home/me', DB_URL: 'postgres://db' });
    expect(config.services.api!.env).toEqual({
      A: '/home/me',
      B: 'fallback value',
      C: '8080',
      D: 'http://localhost:8080/x',
      E: 'postgres://db',
      F: '/home/me',
      G: 'hunter2hunter2',
      H: '${HOME} stays as it is',
    });
    expect(secrets).toContain('hunter2hunter2');
    expect(secrets).toContain('postgres://db');
  });

  it('replaces a whole-string reference with a non-string value', async () => {
    write({
      'pctl.yaml': `name: app
custom:
  scale: { replica: 3 }
services:
  api:
    image: nginx:1
    scale: \${self:custom.scale}
    provider: { name: docker }
`,
    });
    const { config } = await load();
    expect(config.services.api!.scale).toEqual({ replica: 3 });
  });

  it('names a missing env var and where it is used', async () => {
    write({
      'pctl.yaml':
        'name: app\nservices:\n  api:\n    image: nginx:1\n    command: run ${env:NOT_SET_ANYWHERE}\n    provider: { name: docker }\n',
    });
    const issues = await issuesOf(load());
    expect(issues).toEqual([
      {
        path: 'services.api.command',
        line: 5,
        message: expect.stringContaining('environment variable NOT_SET_ANYWHERE is not set'),
      },
    ]);
  });

  it('detects self-reference loops', async () => {
    write({ 'pctl.yaml': 'name: app\ncustom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}\nservices: {}\n' });
    const issues = await issuesOf(load());
    expect(issues[0]!.message).toMatch(/reference loop: custom\.(a|b) -> custom\.(a|b) -> custom\.(a|b)/);
  });

  it('loads custom resolvers and refuses a name registered twice', async () => {
    write({
      'vault.mjs':
        'export default class { constructor(parsed) { this.stack = parsed.name; return function vault(key) { return `${key}@${parsed.name}`; }; } }\n',
      'env-clash.mjs': 'export default class { constructor() { return function env() { return "x"; }; } }\n',
      'pctl.yaml':
        'name: app\nresolver: [./vault.mjs]\nservices:\n  api:\n    image: nginx:1\n    env: { TOKEN: "${vault:db/token}" }\n    provider: { name: docker }\n',
    });
    const { config, secrets } = await load();
    expect(config.services.api!.env).toEqual({ TOKEN: 'db/token@app' });
    expect(secrets).toContain('db/token@app');
    write({ 'pctl.yaml': 'name: app\nresolver: [./vault.mjs, ./env-clash.mjs]\nservices: {}\n' });
    const issues = await issuesOf(load());
    expect(issues[0]).toMatchObject({ path: 'resolver.1', message: expect.stringContaining('registered twice') });
  });
});

describe('validation', () => {
  it('reports every error at once with path and line', async () => {
    write({
      'pctl.yaml': `name: app
services:
  api:
    image: nginx:1
    scale: { replica: many }
    portz: [80]
    provider: { name: docker }
  web:
    provider: { name: docker }
    ports: [99999]
`,
    });
    const issues = await issuesOf(load());
    expect(issues.map((i) => [i.path, i.line])).toEqual(
      expect.arrayContaining([
        ['services.api.scale.replica', 5],
        ['services.api.portz', 6],
        ['services.web.image', 8],
        ['services.web.ports.0', 10],
      ]),
    );
    expect(issues.find((i) => i.path === 'services.api.portz')!.message).toContain('did you mean "ports"');
  });

  it('rejects names with shell characters, unicode or a leading dash, before anything runs', async () => {
    write({
      'pctl.yaml':
        'name: "-My_App"\nservices:\n  "api;rm -rf /": { image: nginx, provider: { name: docker } }\n  "ünï": { image: nginx, provider: { name: docker } }\n',
    });
    const issues = await issuesOf(load());
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['name', 'services.api;rm -rf /', 'services.ünï']),
    );
    write({ 'pctl.yaml': 'name: ok\nservices: {}\n' });
    const bad = await issuesOf(load({}, { nameOverride: 'Bad Name' }));
    expect(bad[0]!.path).toBe('--name');
  });

  it('checks dependsOn targets, cycles, replica ranges and build paths', async () => {
    write({
      'pctl.yaml': `name: app
services:
  a: { image: nginx, dependsOn: [b], provider: { name: docker } }
  b: { image: nginx, dependsOn: [a], provider: { name: docker } }
  c: { image: nginx, dependsOn: [zzz], scale: { replica: [5, 2] }, provider: { name: docker } }
  d: { image: ./../../etc/passwd, provider: { name: docker } }
`,
    });
    let issues = await issuesOf(load());
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['services.c.scale.replica']));
    write({
      'pctl.yaml': `name: app
services:
  a: { image: nginx, dependsOn: [b], provider: { name: docker } }
  b: { image: nginx, dependsOn: [a], provider: { name: docker } }
  c: { image: nginx, dependsOn: [zzz], provider: { name: docker } }
  d: { image: ./../../etc/passwd, provider: { name: docker } }
`,
    });
    issues = await issuesOf(load());
    const text = issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(text).toContain('services.c.dependsOn.0: unknown service "zzz"');
    expect(text).toMatch(/dependsOn cycle: (a -> b -> a|b -> a -> b)/);
    expect(text).toContain('services.d.image: "./../../etc/passwd" leaves the stack file\'s folder');
  });

  it('refuses alias bombs, duplicate keys and malformed YAML with a line', async () => {
    const bomb = ['name: app', 'a: &a [x,x,x,x,x,x,x,x,x,x]'];
    for (const l of 'bcdefghi')
      bomb.push(
        `${l}: &${l} [${Array(10)
          .fill(`*${String.fromCharCode(l.charCodeAt(0) - 1)}`)
          .join(',')}]`,
      );
    write({ 'pctl.yaml': bomb.join('\n') + '\nservices: {}\n' });
    const t = Date.now();
    expect((await issuesOf(load()))[0]!.message).toMatch(/alias/i);
    expect(Date.now() - t).toBeLessThan(5000);
    write({ 'pctl.yaml': 'name: app\nname: again\nservices: {}\n' });
    expect((await issuesOf(load()))[0]).toMatchObject({ line: 2, message: expect.stringMatching(/unique/i) });
    write({ 'pctl.yaml': 'name: app\nservices:\n  api: [unclosed\n' });
    expect((await issuesOf(load()))[0]!.line).toBeGreaterThanOrEqual(3);
  });
});

describe('plugins', () => {
  it('run after validation, may change the config, and are validated again', async () => {
    write({
      'add-env.mjs':
        'export default async (parsed) => { for (const s of Object.values(parsed.services)) s.env = { ...s.env, STACK: parsed.name }; };\n',
      'break.mjs': 'export default async (parsed) => { parsed.services.api.scale = { replica: -1 }; };\n',
      'pctl.yaml':
        'name: app\nplugin: [./add-env.mjs]\nservices:\n  api: { image: nginx, provider: { name: docker } }\n',
    });
    expect((await load()).config.services.api!.env).toEqual({ STACK: 'app' });
    write({
      'pctl.yaml': 'name: app\nplugin: [./break.mjs]\nservices:\n  api: { image: nginx, provider: { name: docker } }\n',
    });
    await expect(load()).rejects.toThrow(/after plugin \.\/break\.mjs/);
  });

  it('may add fields of their own, undeclared, as the original ran them after validation; the stack file itself stays strict', async () => {
    write({
      'tag.mjs':
        'export default async (parsed) => { parsed.owners = ["ops"]; for (const s of Object.values(parsed.services)) s.team = "core"; parsed.services.extra = { image: "nginx", team: "x", provider: { name: "docker" } }; };\n',
      'later.mjs':
        'export default async (parsed) => { parsed.services.api.team = parsed.services.api.team + "!"; parsed.services.api.image = 5; };\n',
      'pctl.yaml': 'name: app\nplugin: [./tag.mjs]\nservices:\n  api: { image: nginx, provider: { name: docker } }\n',
    });
    const { config } = await load();
    expect((config as unknown as { owners: string[] }).owners).toEqual(['ops']);
    expect((config.services.api as unknown as { team: string }).team).toBe('core');
    expect(Object.keys(config.services)).toEqual(['api', 'extra']);
    // A known field a plugin breaks is still an error; the field it added stays allowed for the next plugin.
    write({
      'pctl.yaml':
        'name: app\nplugin: [./tag.mjs, ./later.mjs]\nservices:\n  api: { image: nginx, provider: { name: docker } }\n',
    });
    const issues = await issuesOf(load());
    expect(issues.map((i) => i.path)).toEqual(['services.api.image']);
    // The same field written in the stack file, undeclared, is a typo until a plugin declares it.
    write({
      'pctl.yaml':
        'name: app\nplugin: [./tag.mjs]\nservices:\n  api: { image: nginx, team: core, provider: { name: docker } }\n',
    });
    expect((await issuesOf(load())).map((i) => i.path)).toEqual(['services.api.team']);
  });

  it("load from a package that offers only `import` in its exports, resolved from the stack file's folder", async () => {
    write({
      'node_modules/@team/pctl-plugin/package.json': JSON.stringify({
        name: '@team/pctl-plugin',
        type: 'module',
        exports: { '.': { import: './src/index.js' }, './extra': { import: './src/extra.js' } },
      }),
      'node_modules/@team/pctl-plugin/src/index.js':
        'export default async (parsed) => { parsed.services.api.env = { FROM: "package" }; };\n',
      'node_modules/@team/pctl-plugin/src/extra.js':
        'export default async (parsed) => { parsed.services.api.env = { ...parsed.services.api.env, EXTRA: "1" }; };\n',
      'pctl.yaml':
        'name: app\nplugin: ["@team/pctl-plugin", "@team/pctl-plugin/extra"]\nservices:\n  api: { image: nginx, provider: { name: docker } }\n',
    });
    expect((await load()).config.services.api!.env).toEqual({ FROM: 'package', EXTRA: '1' });
  });
});
