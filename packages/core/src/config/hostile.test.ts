// The loader against hostile and migrated stack files: files that are not regular, expansion
// bombs, deep nesting, keys YAML cannot give JavaScript, values that must stay as written,
// names as the original pctl accepts them, and errors that must not show a secret.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPctlError } from '../errors.js';
import { writeTree } from '../../../../test/helpers/cli.js';
import { ConfigError, loadStack } from './load.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-config-hostile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (files: Record<string, string>) => writeTree(dir, files);
const load = (env: NodeJS.ProcessEnv = {}, file = 'pctl.yaml') => loadStack({ configPath: file, cwd: dir, env });
async function issuesOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}
const svc = (extra = '') =>
  `name: app\nservices:\n  api:\n    image: nginx:1\n    provider: { name: docker }\n${extra}`;

describe('files that are not regular', () => {
  it('refuses a FIFO as the stack file at once instead of waiting for a writer', async () => {
    execFileSync('mkfifo', [path.join(dir, 'pctl.yaml')]);
    expect((await issuesOf(load()))[0]!.message).toMatch(/FIFO.*not a regular file/);
  });

  it('refuses /dev/zero instead of reading past the cap', async () => {
    expect((await issuesOf(load({}, '/dev/zero')))[0]!.message).toMatch(/character device/);
  });

  it('refuses a FIFO or a directory behind ${file:...}, even with a fallback', async () => {
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    mkdirSync(path.join(dir, 'folder'));
    write({
      'pctl.yaml':
        'name: app\nservices:\n  api:\n    image: nginx:1\n    env: { A: "${file:pipe, x}", B: "${file:folder}" }\n    provider: { name: docker }\n',
    });
    const issues = await issuesOf(load());
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ['services.api.env.A', 5],
      ['services.api.env.B', 5],
    ]);
    expect(issues[0]!.message).toMatch(/FIFO/);
    write({
      'pctl.yaml':
        'name: app\nservices:\n  api:\n    image: nginx:1\n    env: { C: "${file:missing, dflt}" }\n    provider: { name: docker }\n',
    });
    expect((await load()).config.services.api!.env).toEqual({ C: 'dflt' });
  });
});

describe('expansion and nesting', () => {
  it('refuses nested ${self:...} lists (29 levels of 10) quickly, naming the line', async () => {
    const lines = ['name: app', 'custom:', '  l0: [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 29; i++)
      lines.push(
        `  l${i}: [${Array(10)
          .fill(`"\${self:custom.l${i - 1}}"`)
          .join(', ')}]`,
      );
    write({ 'pctl.yaml': `${lines.join('\n')}\nservices: {}\n` });
    const issues = await issuesOf(load());
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/expand to more than \d+ values.*bombs are refused/);
    expect(issues[0]!.line).toBeGreaterThan(3);
  });

  it('refuses a string that doubles through references', async () => {
    const lines = ['name: app', 'custom:', '  s0: xxxxxxxxxxxxxxxx'];
    for (let i = 1; i < 40; i++) lines.push(`  s${i}: "\${self:custom.s${i - 1}}\${self:custom.s${i - 1}}"`);
    write({ 'pctl.yaml': `${lines.join('\n')}\nservices: {}\n` });
    expect((await issuesOf(load()))[0]!.message).toMatch(/longer than|more than .* characters/);
  });

  it('says what and where for YAML nested 1,000 levels, flow or block', async () => {
    write({ 'pctl.yaml': `name: app\ncustom:\n  deep: ${'['.repeat(1000)}${']'.repeat(1000)}\nservices: {}\n` });
    expect((await issuesOf(load()))[0]).toMatchObject({
      line: 3,
      message: expect.stringMatching(/nested more than \d+ levels/),
    });
    const block = ['name: app', 'custom:'];
    for (let i = 1; i < 1000; i++) block.push(`${' '.repeat(i * 2)}k${i}:`);
    write({ 'pctl.yaml': `${block.join('\n')} 1\nservices: {}\n` });
    expect((await issuesOf(load()))[0]!.message).toMatch(/nested more than \d+ levels/);
  });

  it('accepts nesting a real file has, brackets inside quoted strings included', async () => {
    write({
      'pctl.yaml': svc(
        '    command: "echo [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\n',
      ),
    });
    expect((await load()).config.services.api!.command).toMatch(/^echo \[+$/);
  });
});

describe('keys and values', () => {
  it('refuses non-string keys and __proto__ instead of dropping them', async () => {
    write({
      'pctl.yaml':
        'name: app\nservices:\n  ? [a]\n  : { image: x, provider: { name: docker } }\n  1: { image: x, provider: { name: docker } }\n  __proto__: { image: x, provider: { name: docker } }\n  api:\n    image: x\n    env: { __proto__: x }\n    provider: { name: docker }\n',
    });
    const issues = await issuesOf(load());
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ['services', 3],
      ['services', 5],
      ['services.__proto__', 6],
      ['services.api.env.__proto__', 9],
    ]);
    expect(issues[1]!.message).toContain('quote it ("1")');
  });

  it('finds duplicate keys among 40,000 in linear time, with the line', async () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `  k${i}: v${i}`);
    keys.push('  k17: again');
    write({ 'pctl.yaml': `name: app\ncustom:\n${keys.join('\n')}\nservices: {}\n` });
    expect((await issuesOf(load()))[0]).toMatchObject({
      path: 'custom.k17',
      line: 40_003,
      message: expect.stringMatching(/unique/),
    });
  });

  it('passes env values and build args exactly as written', async () => {
    write({
      'pctl.yaml':
        'name: app\nservices:\n  api:\n    build: { args: { V: 1.10, W: 0x1F } }\n    env: { A: 12345678901234567890, B: 1.10, C: 007, D: 0x1F, E: True, F: "quoted", G: 8080 }\n    provider: { name: docker }\n',
    });
    const { config } = await load();
    expect(config.services.api!.env).toEqual({
      A: '12345678901234567890',
      B: '1.10',
      C: '007',
      D: '0x1F',
      E: 'True',
      F: 'quoted',
      G: '8080',
    });
    expect(config.services.api!.build!.args).toEqual({ V: '1.10', W: '0x1F' });
  });

  it('refuses an unterminated reference with its line', async () => {
    write({ 'pctl.yaml': svc().replace('image: nginx:1', 'image: nginx:1\n    command: "run ${env:X"') });
    expect((await issuesOf(load()))[0]).toMatchObject({
      path: 'services.api.command',
      line: 5,
      message: expect.stringContaining('unterminated reference "${env:X"'),
    });
  });
});

describe('ports and volumes', () => {
  it("accepts Docker's port forms and volumes relative to the stack file", async () => {
    write({
      'pctl.yaml': svc(
        '    ports: [8080, "127.0.0.1:9090:90", "8000-8002:9000-9002", "53/udp", "[::1]:7070:70"]\n    volumes: ["./data:/data", "/srv/x:/x:ro", { path: /cache }]\n',
      ),
    });
    const { config } = await load();
    expect(config.services.api!.volumes).toEqual([
      { path: '/data', hostPath: path.join(dir, 'data') },
      { path: '/x', hostPath: '/srv/x', readOnly: true },
      { path: '/cache' },
    ]);
  });

  it('refuses duplicate ports, ports out of range and unequal ranges', async () => {
    write({ 'pctl.yaml': svc('    ports: [8080, "8080"]\n') });
    expect((await issuesOf(load()))[0]).toMatchObject({
      path: 'services.api.ports.1',
      line: 6,
      message: expect.stringContaining('already listed'),
    });
    write({ 'pctl.yaml': svc('    ports: ["99999:0", "70000/udp", 0, "8000-8002:9000-9001"]\n') });
    expect((await issuesOf(load())).map((i) => i.message)).toEqual([
      expect.stringContaining('host port 99999 is outside 1-65535'),
      expect.stringContaining('container port 70000 is outside'),
      expect.stringContaining('port 0 is outside'),
      expect.stringContaining('differ in length'),
    ]);
  });

  it('refuses a mount point used twice and a named volume', async () => {
    write({ 'pctl.yaml': svc('    volumes: [{ path: /data }, "./d:/data/"]\n') });
    expect((await issuesOf(load()))[0]).toMatchObject({
      path: 'services.api.volumes.1',
      message: expect.stringContaining('already used'),
    });
    write({ 'pctl.yaml': svc('    volumes: ["data:/data"]\n') });
    expect((await issuesOf(load()))[0]!.message).toMatch(/named volume/);
  });
});

describe('names, as the original pctl accepts them', () => {
  it('accepts My_App and my_api, and refuses two names that map to one resource name', async () => {
    write({ 'pctl.yaml': 'name: My_App\nservices:\n  my_api: { image: nginx, provider: { name: docker } }\n' });
    expect(Object.keys((await load()).config.services)).toEqual(['my_api']);
    write({
      'pctl.yaml':
        'name: My_App\nservices:\n  my_api: { image: nginx, provider: { name: docker } }\n  My-Api: { image: nginx, provider: { name: docker } }\n',
    });
    expect((await issuesOf(load()))[0]).toMatchObject({
      path: 'services.My-Api',
      line: 4,
      message: 'services "my_api" and "My-Api" both map to the resource name "my-app-my-api": rename one',
    });
  });

  it('accepts documented metadata and keeps "did you mean" for typos', async () => {
    write({
      'pctl.yaml':
        'name: app\nversion: 2\ndescription: shop\nservics: {}\nservices:\n  api: { image: nginx, description: the api, imgae: x, provider: { name: docker } }\n',
    });
    const msgs = (await issuesOf(load())).map((i) => `${i.path}: ${i.message}`);
    expect(msgs).toEqual([
      'servics: unknown field "servics" (did you mean "services"?)',
      'services.api.imgae: unknown field "imgae" (did you mean "image"?)',
    ]);
  });
});

describe('build paths', () => {
  it('refuses ./inner when inner is a symlink leading outside; accepts ./..hidden', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'pctl-outside-'));
    try {
      writeFileSync(path.join(outside, 'Dockerfile'), 'FROM busybox\n');
      symlinkSync(outside, path.join(dir, 'inner'));
      write({ 'pctl.yaml': svc().replace('nginx:1', './inner'), '..hidden/Dockerfile': 'FROM busybox\n' });
      expect((await issuesOf(load()))[0]).toMatchObject({
        path: 'services.api.image',
        message: expect.stringContaining('symbolic link'),
      });
      write({ 'pctl.yaml': svc().replace('nginx:1', './..hidden/Dockerfile') });
      expect((await load()).config.services.api!.image).toBe('./..hidden/Dockerfile');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('errors at once, secrets never shown', () => {
  it('reports an unset env var and the schema errors below it in one run', async () => {
    write({
      'pctl.yaml':
        'name: app\nservices:\n  api:\n    image: ${env:UNSET_IMAGE}\n    scale: { replica: many }\n    provider: { name: docker }\n  web: { image: x, portz: [1], provider: { name: docker } }\n',
    });
    expect((await issuesOf(load())).map((i) => [i.path, i.line])).toEqual([
      ['services.api.image', 4],
      ['services.api.scale.replica', 5],
      ['services.web.portz', 7],
    ]);
  });

  it('checks the rules across fields of the services that pass, beside the schema errors', async () => {
    write({
      'pctl.yaml':
        'name: app\nservices:\n  api: { image: x, scale: { replica: many }, provider: { name: docker } }\n  web: { image: x, ports: [80, "80"], dependsOn: [nosuch], provider: { name: docker } }\n',
    });
    expect((await issuesOf(load())).map((i) => i.path)).toEqual([
      'services.api.scale.replica',
      'services.web.dependsOn.0',
      'services.web.ports.1',
    ]);
  });

  it('never prints a resolved secret, long or short, in an issue', async () => {
    write({
      'pctl.yaml':
        'name: app\nservices:\n  api: { image: x, dependsOn: ["${env:DB_PW}", "${env:PIN}"], provider: { name: docker } }\n',
    });
    const e = await load({ DB_PW: 'hunter2-TOPSECRET', PIN: '42' }).catch((x: unknown) => x as ConfigError);
    expect(e).toBeInstanceOf(ConfigError);
    const text = `${(e as ConfigError).message}\n${(e as ConfigError).detail}`;
    expect(text).toContain('unknown service "***"');
    expect(text).not.toContain('hunter2');
    expect(text).not.toMatch(/"42"/);
  });
});

describe('resolvers and plugins', () => {
  it('passes the fallback to a custom resolver, and uses it when the resolver throws', async () => {
    write({
      'r.mjs':
        'export default class { constructor() { return function vault(key, fallback) { if (key === "boom") throw { code: 42 }; return key === "echo" ? `got ${fallback}` : undefined; }; } }\n',
      'pctl.yaml':
        'name: app\nresolver: [./r.mjs]\nservices:\n  api: { image: x, env: { A: "${vault:echo, plan b}", B: "${vault:none, dflt}", C: "${vault:boom, safe}" }, provider: { name: docker } }\n',
    });
    expect((await load()).config.services.api!.env).toEqual({ A: 'got plan b', B: 'dflt', C: 'safe' });
    write({
      'pctl.yaml':
        'name: app\nresolver: [./r.mjs]\nservices:\n  api: { image: x, env: { C: "${vault:boom}" }, provider: { name: docker } }\n',
    });
    expect((await issuesOf(load()))[0]!.message).toContain('resolver failed: threw a non-Error value {"code":42}');
  });

  it('loads a plugin by package name from the stack folder; declared fields are allowed', async () => {
    write({
      'node_modules/pctl-plugin-team/package.json': JSON.stringify({ name: 'pctl-plugin-team', main: 'index.mjs' }),
      'node_modules/pctl-plugin-team/index.mjs':
        'export const fields = ["team"];\nexport default (parsed) => { for (const s of Object.values(parsed.services)) { s.env = { ...s.env, TEAM: s.team }; delete s.team; } };\n',
      'pctl.yaml':
        'name: app\nplugin: [pctl-plugin-team]\nservices:\n  api: { image: x, team: core, provider: { name: docker } }\n',
    });
    expect((await load()).config.services.api!.env).toEqual({ TEAM: 'core' });
    write({ 'pctl.yaml': 'name: app\nservices:\n  api: { image: x, team: core, provider: { name: docker } }\n' });
    expect((await issuesOf(load()))[0]).toMatchObject({ path: 'services.api.team', message: 'unknown field "team"' });
  });

  it('turns whatever a plugin throws, now or later, into one line naming it', async () => {
    const cases: [string, RegExp][] = [
      ['throw "plain string"', /plugin \.\/p0\.mjs failed: plain string$/],
      ['throw { code: 42 }', /failed: threw a non-Error value \{"code":42\}$/],
      ['throw undefined', /failed: threw undefined \(no error object\)$/],
      ['setTimeout(() => { throw new Error("later") }, 0)', /failed: later$/],
      ['Promise.reject(new Error("unawaited"))', /failed: unawaited$/],
    ];
    for (const [i, [body, expected]] of cases.entries()) {
      write({
        [`p${i}.mjs`]: `export default async () => { ${body}; };\n`,
        'pctl.yaml': `name: app\nplugin: [./p${i}.mjs]\nservices: {}\n`,
      });
      const e = await load().catch((x: unknown) => x);
      expect(isPctlError(e) && e.code === 'PluginFailed' ? e.message : e).toMatch(expected);
    }
  });
});

describe('Ctrl-C', () => {
  it('stops a long load with Interrupted (exit 130) instead of finishing it', async () => {
    write({
      'pctl.yaml': `name: app\ncustom:\n${Array.from({ length: 5000 }, (_, i) => `  k${i}: "\${env:HOME_DIR, x}"`).join('\n')}\nservices: {}\n`,
    });
    const ctl = new AbortController();
    ctl.abort(new Error('SIGINT'));
    const e = await loadStack({ configPath: 'pctl.yaml', cwd: dir, env: {}, signal: ctl.signal }).catch(
      (x: unknown) => x,
    );
    expect(isPctlError(e) && [e.code, e.exitCode]).toEqual(['Interrupted', 130]);
  });
});
