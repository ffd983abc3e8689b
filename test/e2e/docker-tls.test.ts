// tcp + TLS for real: a CA, a server and a client certificate made with openssl, and a TLS
// proxy on 127.0.0.1 that requires the client certificate and forwards to the shared
// engine's unix socket. pctl's engineFor and the real docker CLI get the same environment
// (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, or a docker context): both must work,
// and both must fail without the client certificate.
import { execa } from 'execa';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeEngines, createExec, engineError, engineFor, type PctlError } from '@pctl/core';
import { tempDir } from '../helpers/cli.js';
import { requireDocker } from '../helpers/docker.js';
import { makeCerts } from '../helpers/tlsCerts.js';

const ctx = { exec: createExec() };
const ENV_KEYS = [
  'DOCKER_HOST',
  'DOCKER_TLS_VERIFY',
  'DOCKER_CERT_PATH',
  'DOCKER_CONTEXT',
  'DOCKER_CONFIG',
  'DOCKER_TLS',
] as const;
const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
const engineSocket = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');

let t: ReturnType<typeof tempDir>;
let certs: string;
let proxy: tls.Server;
let port: number;
/** Connections that presented a client certificate the CA signed. */
let authorized = 0;

// Runs fn with exactly these docker variables in pctl's environment (the rest unset).
async function withEnv<T>(env: Partial<Record<(typeof ENV_KEYS)[number], string>>, fn: () => Promise<T>): Promise<T> {
  await closeEngines();
  for (const k of ENV_KEYS) delete process.env[k];
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const k of ENV_KEYS)
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    await closeEngines();
  }
}

// The docker CLI with the same variables (and no others of its own).
const dockerCli = (env: Record<string, string>, args: string[]) =>
  execa('docker', args, {
    env: { PATH: process.env.PATH!, HOME: path.join(t.dir, 'home'), ...env },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });

beforeAll(async () => {
  await requireDocker();
  t = tempDir('pctl-tls-');
  certs = path.join(t.dir, 'certs');
  mkdirSync(certs);
  mkdirSync(path.join(t.dir, 'home'));
  const c = await makeCerts(certs);
  proxy = tls.createServer(
    {
      key: readFileSync(c.serverKey),
      cert: readFileSync(c.serverCert),
      ca: readFileSync(c.ca),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (client) => {
      if (client.authorized) authorized++;
      const upstream = net.connect(engineSocket);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    },
  );
  proxy.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  port = (proxy.address() as net.AddressInfo).port;
}, 120_000);

afterAll(async () => {
  await closeEngines();
  await new Promise((r) => proxy?.close(r));
  t?.cleanup();
});

describe('tcp + TLS', () => {
  it('DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH: engineFor and the docker CLI both reach the engine through the proxy', async () => {
    const env = { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs };
    const before = authorized;
    const root = await withEnv(env, async () => {
      const engine = await engineFor(ctx);
      expect(engine.endpoint).toMatchObject({ kind: 'tcp', host: '127.0.0.1', port, tls: { verify: true } });
      expect(engine.where).toBe(`the engine at tcp://127.0.0.1:${port} (TLS)`);
      await Promise.all([engine.api.ping(), engine.api.listContainers(), engine.api.version()]);
      return (await engine.api.info()).DockerRootDir as string;
    });
    expect(authorized).toBeGreaterThan(before);
    const cli = await dockerCli(env, ['info', '--format', '{{.DockerRootDir}}']);
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(cli.stdout.trim()).toBe(root);
  });

  it('a docker context made by the docker CLI for the proxy works for both', async () => {
    const config = path.join(t.dir, 'config');
    const mk = await dockerCli({ DOCKER_CONFIG: config }, [
      'context',
      'create',
      'tlsproxy',
      '--docker',
      `host=tcp://127.0.0.1:${port},ca=${certs}/ca.pem,cert=${certs}/cert.pem,key=${certs}/key.pem`,
    ]);
    expect(mk.exitCode, mk.stderr).toBe(0);
    const env = { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'tlsproxy' };
    const version = await withEnv(env, async () => {
      const engine = await engineFor(ctx);
      expect(engine.endpoint.describe).toBe(`tcp://127.0.0.1:${port} (docker context "tlsproxy") (TLS)`);
      return (await engine.api.version()).Version;
    });
    const cli = await dockerCli(env, ['version', '--format', '{{.Server.Version}}']);
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(cli.stdout.trim()).toBe(version);
    // `docker context use` (currentContext in config.json) selects it too.
    expect((await dockerCli({ DOCKER_CONFIG: config }, ['context', 'use', 'tlsproxy'])).exitCode).toBe(0);
    await withEnv({ DOCKER_CONFIG: config }, async () =>
      expect((await (await engineFor(ctx)).api.version()).Version).toBe(version),
    );
  });

  it('without the client certificate the proxy refuses both, and pctl says so in one line', async () => {
    const onlyCa = path.join(t.dir, 'only-ca');
    mkdirSync(onlyCa);
    copyFileSync(path.join(certs, 'ca.pem'), path.join(onlyCa, 'ca.pem'));
    const env = { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: onlyCa };
    await withEnv(env, async () => {
      const engine = await engineFor(ctx);
      const e = await engine.api.version().catch((x: unknown) => x);
      const err = engineError(e, 'asking the engine its version', engine);
      expect(err.code).toBe('DockerUnavailable');
      expect(err.oneLine()).toMatch(
        new RegExp(
          `^asking the engine its version: (TLS with the Docker engine at tcp://127\\.0\\.0\\.1:${port} \\(TLS\\) failed: .+|no Docker engine answers at tcp://127\\.0\\.0\\.1:${port} \\(TLS\\)) \\(`,
        ),
      );
      expect(err.oneLine()).not.toContain('\n');
    });
    const cli = await dockerCli(env, ['version', '--format', '{{.Server.Version}}']);
    expect(cli.exitCode).not.toBe(0);
  });

  it('a server certificate from another CA is refused by both', async () => {
    const other = path.join(t.dir, 'other');
    mkdirSync(other);
    await makeCerts(other);
    // The other CA, with the right client certificate: the server is not who it should be.
    copyFileSync(path.join(certs, 'cert.pem'), path.join(other, 'cert.pem'));
    copyFileSync(path.join(certs, 'key.pem'), path.join(other, 'key.pem'));
    const env = { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: other };
    await withEnv(env, async () => {
      const engine = await engineFor(ctx);
      const err = engineError(await engine.api.ping().catch((x: unknown) => x), 'pinging', engine) as PctlError;
      expect(err.code).toBe('DockerUnavailable');
      expect(err.message).toMatch(/^pinging: TLS with the Docker engine at .* failed: /);
      expect(err.hint).toContain('DOCKER_CERT_PATH');
    });
    expect((await dockerCli(env, ['version', '--format', '{{.Server.Version}}'])).exitCode).not.toBe(0);
  });
});
