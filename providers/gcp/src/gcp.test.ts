import { afterEach, describe, expect, it } from 'vitest';
import provider, { artifactRef } from './index.js';
import { containerEndpoint, parseOptions, regionOf, registryHostFor } from './options.js';
import { googleError } from './google.js';
import { parseImage, registryBase } from './registry.js';

const base = { project: 'my-project', zone: 'europe-west1-b', cluster: 'prod', namespace: 'shop' };

describe('gcp options', () => {
  it('requires project, zone, cluster and namespace, and rejects unknown keys', () => {
    expect(provider.validateOptions!(base)).toEqual([]);
    for (const k of Object.keys(base)) {
      const { [k as keyof typeof base]: _gone, ...rest } = base;
      expect(provider.validateOptions!(rest).map((i) => i.path)).toEqual([[k]]);
    }
    expect(provider.validateOptions!({ ...base, zoen: 'x' })[0]!.message).toMatch(/zoen/);
    expect(provider.validateOptions!({ ...base, registryHost: 'https://x.dev' })[0]!.path).toEqual(['registryHost']);
    expect(() => parseOptions({ ...base, cluster: 'Prod' })).toThrow(/provider\.options\.cluster: must be a DNS label/);
  });

  it('derives the Artifact Registry host from the zone', () => {
    expect(regionOf('europe-west1-b')).toBe('europe-west1');
    expect(regionOf('us-central1')).toBe('us-central1');
    const o = parseOptions(base);
    expect(o.repository).toBe('pctl');
    expect(registryHostFor(o)).toBe('europe-west1-docker.pkg.dev');
    expect(registryHostFor(parseOptions({ ...base, registryLocation: 'europe' }))).toBe('europe-docker.pkg.dev');
    expect(registryHostFor(parseOptions({ ...base, registryHost: '127.0.0.1:5000' }))).toBe('127.0.0.1:5000');
    expect(artifactRef(o, 'pctl-shop-api:0123456789ab')).toBe(
      'europe-west1-docker.pkg.dev/my-project/pctl/shop-api:0123456789ab',
    );
    expect(parseImage('europe-west1-docker.pkg.dev/my-project/pctl/shop-api:0123456789ab')).toEqual({
      host: 'europe-west1-docker.pkg.dev',
      name: 'my-project/pctl/shop-api',
      tag: '0123456789ab',
    });
    expect(registryBase('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBase('europe-docker.pkg.dev')).toBe('https://europe-docker.pkg.dev');
  });

  describe('GKE endpoint', () => {
    const saved = process.env.CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER;
    afterEach(() => {
      if (saved === undefined) delete process.env.CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER;
      else process.env.CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER = saved;
    });
    it("is Google, else gcloud's override variable, else the option", () => {
      delete process.env.CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER;
      expect(containerEndpoint({})).toBe('https://container.googleapis.com/');
      process.env.CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER = 'http://127.0.0.1:9/gke';
      expect(containerEndpoint({})).toBe('http://127.0.0.1:9/gke/');
      expect(containerEndpoint({ endpoint: 'https://container.example/' })).toBe('https://container.example/');
    });
  });
});

describe('Google API errors', () => {
  it("are one line with the call, the resource, the status and Google's message", async () => {
    const res = new Response(
      JSON.stringify({
        error: { code: 404, message: 'Not found: projects/p/locations/z/clusters/c.', status: 'NOT_FOUND' },
      }),
      { status: 404 },
    );
    const e = await googleError(res, 'GKE clusters.get', 'projects/p/locations/z/clusters/c', {
      404: 'check the names',
    });
    expect(e.message).toBe(
      'GKE clusters.get projects/p/locations/z/clusters/c: 404 NOT_FOUND: Not found: projects/p/locations/z/clusters/c.',
    );
    expect(e.hint).toBe('check the names');
    expect(e.code).toBe('GcpNotFound');
    expect(e.exitCode).toBe(1);
    const plain = await googleError(new Response('upstream connect error', { status: 503 }), 'GKE clusters.get', 'x');
    expect(plain.message).toBe('GKE clusters.get x: 503: upstream connect error');
  });
});
