// ECR in front of the real local registry (Debian's docker-registry with htpasswd): the
// password the fake hands out logs in there, DescribeImages shows what was really pushed,
// and deleting tags or a forced repository removes them from the registry.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { freePort } from '../helpers/sshd.js';
import { awsCli, awsCliEnv } from './awsCli.js';
import { type AwsFake, startAwsFake } from './index.js';

const REGION = 'us-west-2';
const creds = { accessKeyId: 'AKIAREGISTRY0000001', secretAccessKey: 'registry-test-secret' };
const REGISTRY_PASSWORD = 'htpasswd-pw-for-AWS';
const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
let root: string;
let registry: TestRegistry;
let host: string;
let fake: AwsFake;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'pctl-awsfake-registry-'));
  const port = await freePort();
  registry = await startRegistry(root, port, 'AWS', REGISTRY_PASSWORD);
  host = `127.0.0.1:${port}`;
  fake = await startAwsFake({
    region: REGION,
    credentials: [creds],
    registryHost: host,
    registryPassword: REGISTRY_PASSWORD,
  });
});
afterAll(async () => {
  await fake?.stop();
  await registry?.stop();
  rmSync(root, { recursive: true, force: true });
});

const aws = async (args: string[]) => {
  const r = await awsCli(fake.endpoint, awsCliEnv(creds, REGION), args);
  return r;
};
const ok = async (args: string[]) => {
  const r = await aws(args);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return r.stdout === '' ? {} : (JSON.parse(r.stdout) as Record<string, any>);
};

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

// Pushes an image the way docker does over the v2 API: blobs, then the manifest under a tag.
async function push(password: string, repo: string, tag: string, layerText: string): Promise<string> {
  const auth = { Authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` };
  const blob = async (content: Buffer) => {
    const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: auth });
    expect(start.status).toBe(202);
    const location = new URL(start.headers.get('location')!, `http://${host}`);
    location.searchParams.set('digest', digestOf(content));
    const put = await fetch(location, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/octet-stream' },
      body: new Uint8Array(content),
    });
    expect(put.status).toBe(201);
    return { digest: digestOf(content), size: content.length };
  };
  const layer = await blob(Buffer.from(layerText));
  const config = await blob(
    Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } }),
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_V2,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', ...layer }],
    }),
  );
  const put = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    headers: { ...auth, 'Content-Type': DOCKER_V2 },
    body: new Uint8Array(manifest),
  });
  expect(put.status).toBe(201);
  return put.headers.get('docker-content-digest')!;
}

async function registryTags(repo: string): Promise<string[]> {
  const r = await fetch(`http://${host}/v2/${repo}/tags/list`, {
    headers: { Authorization: `Basic ${Buffer.from(`AWS:${REGISTRY_PASSWORD}`).toString('base64')}` },
  });
  if (r.status === 404) return [];
  return (((await r.json()) as { tags: string[] | null }).tags ?? []).sort();
}

test('pushes with the handed-out password show up in DescribeImages; deletes reach the registry', async () => {
  await ok(['ecr', 'create-repository', '--repository-name', 'shop/web']);
  const password = (await aws(['ecr', 'get-login-password'])).stdout.trim();
  expect(password).toBe(REGISTRY_PASSWORD);
  // A wrong password is refused by the registry itself: the one handed out is what works.
  expect(
    (
      await fetch(`http://${host}/v2/`, {
        headers: { Authorization: `Basic ${Buffer.from('AWS:wrong').toString('base64')}` },
      })
    ).status,
  ).toBe(401);

  const v1 = await push(password, 'shop/web', 'v1', 'layer one');
  await push(password, 'shop/web', 'latest', 'layer one');
  const v2 = await push(password, 'shop/web', 'v2', 'layer two!');

  const all = (await ok(['ecr', 'describe-images', '--repository-name', 'shop/web'])).imageDetails as Record<
    string,
    any
  >[];
  expect(all.map((d) => [d.imageDigest, d.imageTags]).sort()).toEqual(
    [
      [v1, ['latest', 'v1']],
      [v2, ['v2']],
    ].sort(),
  );
  expect(all.find((d) => d.imageDigest === v1)).toMatchObject({
    imageSizeInBytes: 'layer one'.length,
    imageManifestMediaType: DOCKER_V2,
  });

  const one = (await ok(['ecr', 'describe-images', '--repository-name', 'shop/web', '--image-ids', 'imageTag=v2']))
    .imageDetails;
  expect(one.map((d: { imageDigest: string }) => d.imageDigest)).toEqual([v2]);
  const missing = await aws(['ecr', 'describe-images', '--repository-name', 'shop/web', '--image-ids', 'imageTag=v3']);
  expect([missing.exitCode, missing.stderr.trim()]).toEqual([
    254,
    `An error occurred (ImageNotFoundException) when calling the DescribeImages operation: The image with imageId {imageDigest:'null', imageTag:'v3'} does not exist within the repository with name 'shop/web' in the registry with id '${fake.accountId}'`,
  ]);

  // Untagging v1 keeps the image under `latest`, as ECR does.
  const deleted = await ok([
    'ecr',
    'batch-delete-image',
    '--repository-name',
    'shop/web',
    '--image-ids',
    'imageTag=v1',
  ]);
  expect(deleted.imageIds).toEqual([{ imageDigest: v1, imageTag: 'v1' }]);
  expect(await registryTags('shop/web')).toEqual(['latest', 'v2']);
  const after = (
    await ok(['ecr', 'describe-images', '--repository-name', 'shop/web', '--image-ids', 'imageTag=latest'])
  ).imageDetails;
  expect(after.map((d: { imageDigest: string; imageTags: string[] }) => [d.imageDigest, d.imageTags])).toEqual([
    [v1, ['latest']],
  ]);

  // A push the fake has not been asked about yet shows after syncImages.
  await push(password, 'shop/web', 'v9', 'layer nine');
  expect(fake.repositories().get('shop/web')!.images.has('v9')).toBe(false);
  await fake.syncImages();
  expect([...fake.repositories().get('shop/web')!.images].sort()).toEqual(['latest', 'v2', 'v9']);

  const refused = await aws(['ecr', 'delete-repository', '--repository-name', 'shop/web']);
  expect(refused.stderr).toContain('(RepositoryNotEmptyException)');
  await ok(['ecr', 'delete-repository', '--repository-name', 'shop/web', '--force']);
  expect(await registryTags('shop/web')).toEqual([]);
  expect(fake.repositories().has('shop/web')).toBe(false);
});

test('a repository whose images were all deleted can be deleted without force', async () => {
  await ok(['ecr', 'create-repository', '--repository-name', 'solo']);
  const digest = await push(REGISTRY_PASSWORD, 'solo', 'only', 'solo layer');
  const deleted = await ok([
    'ecr',
    'batch-delete-image',
    '--repository-name',
    'solo',
    '--image-ids',
    `imageDigest=${digest}`,
  ]);
  expect(deleted.imageIds).toEqual([{ imageDigest: digest, imageTag: 'only' }]);
  expect(await registryTags('solo')).toEqual([]);
  await ok(['ecr', 'delete-repository', '--repository-name', 'solo']);
});
