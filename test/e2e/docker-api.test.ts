// The connection layer to the Docker Engine API against the real shared engine: one Engine
// per process over DOCKER_HOST's unix socket, engine errors as one line (no engine, HTTP
// errors with the engine's words), and a build's progress stream followed to its end.
import { afterAll, describe, expect, it } from 'vitest';
import {
  closeEngines,
  createExec,
  engineError,
  engineFor,
  engineStatusCode,
  followProgress,
  type PctlError,
} from '@pctl/core';
import { requireDocker } from '../helpers/docker.js';
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import http from 'node:http';
import net from 'node:net';

const ctx = { exec: createExec() };
const TAG = `pctl-dockerapi-${process.pid}`;
const saved = process.env.DOCKER_HOST;

afterAll(async () => {
  process.env.DOCKER_HOST = saved;
  await closeEngines();
  await execa('docker', ['rmi', '-f', `${TAG}:ok`], { reject: false });
});

// A build context holding only a Dockerfile, as a tar stream (made by tar itself).
async function dockerfileTar(dockerfile: string): Promise<Readable> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-dockerapi-'));
  try {
    writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
    return Readable.from([(await execa('tar', ['-cf', '-', '-C', dir, 'Dockerfile'], { encoding: 'buffer' })).stdout]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('engineFor over a unix socket', () => {
  it('speaks the Engine API to the engine DOCKER_HOST names, one Engine per process', async () => {
    await requireDocker();
    const engine = await engineFor(ctx);
    expect(await engineFor(ctx)).toBe(engine);
    expect(engine.where).toBe(`the local engine (${process.env.DOCKER_HOST})`);
    const version = await engine.api.version();
    // The same engine the docker CLI talks to.
    expect(version.Version).toBe((await execa('docker', ['version', '--format', '{{.Server.Version}}'])).stdout.trim());
    const info = await engine.api.info();
    expect(info.DockerRootDir).toBe((await execa('docker', ['info', '--format', '{{.DockerRootDir}}'])).stdout.trim());
    await closeEngines();
    expect(await engineFor(ctx)).not.toBe(engine);
  });

  it("an HTTP error keeps the engine's words and its status", async () => {
    const engine = await engineFor(ctx);
    const e = await engine.api
      .getContainer(`${TAG}-missing`)
      .inspect()
      .catch((x: unknown) => x);
    const err = engineError(e, `inspecting ${TAG}-missing`, engine);
    expect(err.code).toBe('DockerApiError');
    expect(err.oneLine()).toBe(`inspecting ${TAG}-missing failed: No such container: ${TAG}-missing`);
    expect(engineStatusCode(err)).toBe(404);
  });

  it('no engine at DOCKER_HOST is the one line of today: DockerUnavailable naming DOCKER_HOST and the fix', async () => {
    await closeEngines();
    process.env.DOCKER_HOST = `unix:///tmp/${TAG}-nothing.sock`;
    try {
      const engine = await engineFor(ctx);
      const e = await engine.api.listContainers().catch((x: unknown) => x);
      const err = engineError(e, 'listing containers', engine);
      expect(err.code).toBe('DockerUnavailable');
      expect(err.oneLine()).toBe(
        `listing containers: no Docker engine answers at unix:///tmp/${TAG}-nothing.sock (start Docker, or point DOCKER_HOST at a running engine; \`source scripts/ensure-docker.sh\` starts a private one)`,
      );
      // Without the engine at hand the environment's is named the same way.
      expect(engineError(e, 'listing containers').message).toBe(err.message);
    } finally {
      process.env.DOCKER_HOST = saved;
      await closeEngines();
    }
  });

  it('sees an engine that closed its listener as gone, though it still serves open connections (as a stopping dockerd does)', async () => {
    // dockerd stopping: the listener closes first, open keep-alive connections are still served.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-dockerapi-'));
    const sock = path.join(dir, 'engine.sock');
    const server = http.createServer({ keepAliveTimeout: 60_000 }, (_req, res) =>
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK'),
    );
    // The listener alone closes (node's http server.close() would also drop idle connections).
    const listener = net.createServer((c) => server.emit('connection', c));
    await new Promise<void>((r) => listener.listen(sock, r));
    await closeEngines();
    process.env.DOCKER_HOST = `unix://${sock}`;
    try {
      const engine = await engineFor(ctx);
      expect(String(await engine.api.ping())).toBe('OK');
      listener.close();
      const err = engineError(
        await engine.api.ping().then(
          () => 'answered',
          (x: unknown) => x,
        ),
        'pinging',
        engine,
      );
      expect(err.code).toBe('DockerUnavailable');
      expect(err.message).toBe(`pinging: no Docker engine answers at unix://${sock}`);
    } finally {
      process.env.DOCKER_HOST = saved;
      server.closeAllConnections();
      await closeEngines();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad DOCKER_HOST is one error line from engineFor', async () => {
    process.env.DOCKER_HOST = 'http://127.0.0.1:2375';
    try {
      const err = (await engineFor(ctx).catch((x: unknown) => x)) as PctlError;
      expect(err.code).toBe('DockerEndpointInvalid');
      expect(err.oneLine()).toMatch(
        /^DOCKER_HOST is "http:\/\/127\.0\.0\.1:2375": unknown scheme "http:\/\/" \(docker takes unix:\/\/, tcp:\/\/ and ssh:\/\/\) \(set DOCKER_HOST to/,
      );
    } finally {
      process.env.DOCKER_HOST = saved;
      await closeEngines();
    }
  });
});

describe('followProgress', () => {
  it('follows a build to its end, giving each line of output', async () => {
    const engine = await engineFor(ctx);
    const lines: string[] = [];
    const stream = await engine.api.buildImage(
      await dockerfileTar(
        `FROM busybox:latest\nRUN echo progress-${process.pid} && echo second-line\nLABEL pctl-test=${TAG}\n`,
      ),
      { t: `${TAG}:ok`, rm: true },
    );
    const messages = await followProgress(stream, (l) => lines.push(l));
    expect(lines).toContain(`progress-${process.pid}`);
    expect(lines).toContain('second-line');
    expect(messages.length).toBeGreaterThan(2);
    expect((await engine.api.getImage(`${TAG}:ok`).inspect()).Config.Labels).toMatchObject({ 'pctl-test': TAG });
  });

  it('rejects with the first errorDetail, which engineError words as the step failed', async () => {
    const engine = await engineFor(ctx);
    const lines: string[] = [];
    const stream = await engine.api.buildImage(
      await dockerfileTar('FROM busybox:latest\nRUN echo about-to-fail && exit 3\n'),
      { rm: true, forcerm: true },
    );
    const e = await followProgress(stream, (l) => lines.push(l)).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toMatchObject({ name: 'EngineProgressError', errorDetail: { code: 3 } });
    expect(lines).toContain('about-to-fail');
    const err = engineError(e, `building ${TAG}:bad`, engine);
    expect(err.code).toBe('DockerApiError');
    expect(err.oneLine()).toMatch(
      new RegExp(
        `^building ${TAG}:bad failed: The command '/bin/sh -c echo about-to-fail && exit 3' returned a non-zero code: 3$`,
      ),
    );
    expect(err.detail).toContain('about-to-fail');
  });
});
