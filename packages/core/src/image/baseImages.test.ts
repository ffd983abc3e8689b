// Which images a Dockerfile's FROM lines pull, and from which registry.
import { describe, expect, it } from 'vitest';
import { baseImages, DOCKER_HUB, imageRegistry } from './baseImages.js';

describe('baseImages', () => {
  it('names the images of FROM lines, without stages of the file or scratch', () => {
    const df =
      'FROM golang:1.22 AS build\nRUN go build\nFROM build AS test\nFROM scratch\nCOPY --from=build /x /x\nFROM --platform=linux/amd64 ghcr.io/acme/base:1\n';
    expect(baseImages(df, {})).toEqual({ images: ['golang:1.22', 'ghcr.io/acme/base:1'], unknown: false });
  });

  it('expands ARGs declared before the first FROM, build args winning', () => {
    const df = 'ARG REG=registry.example:5000\nARG TAG\nFROM ${REG}/app:${TAG:-dev}\n';
    expect(baseImages(df, {}).images).toEqual(['registry.example:5000/app:dev']);
    expect(baseImages(df, { TAG: '7', REG: 'localhost' }).images).toEqual(['localhost/app:7']);
  });

  it('says when a FROM image cannot be known', () => {
    expect(baseImages('FROM $BASE\n', {})).toEqual({ images: [], unknown: true });
  });
});

describe('imageRegistry', () => {
  it('reads the registry host as Docker does, Docker Hub under its config key', () => {
    expect(imageRegistry('busybox')).toBe(DOCKER_HUB);
    expect(imageRegistry('library/busybox:1')).toBe(DOCKER_HUB);
    expect(imageRegistry('docker.io/acme/x')).toBe(DOCKER_HUB);
    expect(imageRegistry('acme/x')).toBe(DOCKER_HUB);
    expect(imageRegistry('127.0.0.1:5000/base/busybox:creds')).toBe('127.0.0.1:5000');
    expect(imageRegistry('localhost/x')).toBe('localhost');
    expect(imageRegistry('ghcr.io/acme/api:1')).toBe('ghcr.io');
  });
});
