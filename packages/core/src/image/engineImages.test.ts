// Image inspect, tag and removal through the engine's API, on the real engine.
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeEngines } from '../dockerApi/index.js';
import { createExec } from '../exec.js';
import { existingImages, imageExists, isImageReference, removeImage, tagImage } from './engineImages.js';

const ctx = { exec: createExec() };
const mine = `pctl-engine-images-unit:${process.pid}`;
const other = `127.0.0.1:5999/pctl-engine-images-unit/x:${process.pid}`;

beforeAll(async () => {
  const r = await execa('docker', ['image', 'inspect', 'busybox:latest'], { reject: false });
  if (r.exitCode !== 0) throw new Error('busybox:latest is not on the engine: run `source scripts/ensure-docker.sh`');
});
afterAll(async () => {
  await execa('docker', ['rmi', '-f', mine, other], { reject: false });
  await closeEngines();
});

describe('engine images', () => {
  it('takes only image references and ids into an API path', () => {
    for (const ok of [
      'busybox',
      'busybox:latest',
      'ghcr.io/acme/api:3f2a9c1d0b7e',
      '127.0.0.1:5000/team:x',
      `busybox@sha256:${'a'.repeat(64)}`,
      `sha256:${'b'.repeat(64)}`,
    ])
      expect(isImageReference(ok), ok).toBe(true);
    for (const bad of ['--help', '-Xhostile', '../../containers/json', 'a?b=1', 'a#b', 'x/UPPER', 'a b', '', 'x/../y'])
      expect(isImageReference(bad), bad).toBe(false);
  });

  it('tags, finds and removes an image; a missing or invalid one is no image', async () => {
    await tagImage(ctx, 'busybox:latest', mine);
    await tagImage(ctx, mine, other);
    expect(await imageExists(ctx.exec, mine)).toBe(true);
    expect(await imageExists(ctx, '../../containers/json')).toBe(false);
    expect([...(await existingImages(ctx, [mine, other, 'pctl-engine-images-unit:nope', '--x']))].sort()).toEqual(
      [other, mine].sort(),
    );
    expect(await removeImage(ctx, other)).toEqual({ result: 'removed' });
    expect(await imageExists(ctx, other)).toBe(false);
    expect((await removeImage(ctx, other)).result).toBe('missing');
    await expect(tagImage(ctx, 'pctl-engine-images-unit:nope', `${mine}-2`)).rejects.toMatchObject({
      code: 'DockerTagFailed',
      message: expect.stringMatching(/tagging pctl-engine-images-unit:nope as .*: .*No such image/i),
    });
  });

  it('does not remove an image a container uses', async () => {
    // An image of its own (one tag, one id), so nothing else's image is at stake.
    const own = `pctl-engine-images-unit:used-${process.pid}`;
    await execa('docker', ['build', '-q', '-t', own, '-'], {
      input: `FROM busybox:latest\nLABEL pctl-unit=${process.pid}\n`,
      env: { DOCKER_BUILDKIT: '0' },
    });
    const id = (await execa('docker', ['create', own, 'true'])).stdout.trim();
    try {
      const r = await removeImage(ctx, own);
      expect(r.result).toBe('in-use');
      expect(r.message).toMatch(/container .* is using its referenced image/);
      expect(await imageExists(ctx, own)).toBe(true);
    } finally {
      await execa('docker', ['rm', '-f', id], { reject: false });
      await execa('docker', ['rmi', '-f', own], { reject: false });
    }
  });

  it('says no engine answers, naming DOCKER_HOST', async () => {
    const saved = process.env.DOCKER_HOST;
    await closeEngines();
    process.env.DOCKER_HOST = 'unix:///tmp/pctl-no-engine-here.sock';
    try {
      await expect(imageExists(ctx, 'busybox')).rejects.toMatchObject({
        code: 'DockerUnavailable',
        message: 'checking image busybox: no Docker engine answers at unix:///tmp/pctl-no-engine-here.sock',
      });
    } finally {
      process.env.DOCKER_HOST = saved;
      await closeEngines();
    }
  });
});
