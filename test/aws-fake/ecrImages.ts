// The images of an ECR repository: read from the real registry when the fake has one (so a
// push really shows up), else from the tags a test put in `repositories()`.
import { createHash } from 'node:crypto';
import type { FakeRepository, FakeState } from './state.js';
import { nowMs } from './state.js';

// One image (one digest) with all its tags.
export interface EcrImage {
  digest: string;
  tags: string[];
  sizeInBytes: number;
  manifestMediaType: string;
  artifactMediaType?: string;
  pushedAt: number;
}

const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

// Every image of the repository now, grouped by digest; `repo.images` is brought in step.
export async function listImages(state: FakeState, repo: FakeRepository): Promise<EcrImage[]> {
  const byDigest = new Map<string, EcrImage>();
  const seen = (digest: string) => {
    if (!repo.pushedAt.has(digest)) repo.pushedAt.set(digest, nowMs(state) / 1000);
    return repo.pushedAt.get(digest)!;
  };
  if (state.registry === undefined) {
    for (const tag of repo.images) {
      const digest = `sha256:${createHash('sha256').update(`${repo.name}:${tag}`).digest('hex')}`;
      byDigest.set(digest, {
        digest,
        tags: [tag],
        sizeInBytes: 0,
        manifestMediaType: DOCKER_V2,
        pushedAt: seen(digest),
      });
    }
    return [...byDigest.values()];
  }
  const tags = await state.registry.tags(repo.name);
  for (const tag of tags) {
    const m = await state.registry.manifest(repo.name, tag);
    if (m === undefined) continue;
    const known = byDigest.get(m.digest);
    if (known) known.tags.push(tag);
    else {
      byDigest.set(m.digest, {
        digest: m.digest,
        tags: [tag],
        sizeInBytes: m.sizeInBytes,
        manifestMediaType: m.mediaType,
        artifactMediaType: m.configMediaType,
        pushedAt: seen(m.digest),
      });
    }
  }
  repo.images.clear();
  for (const t of tags) repo.images.add(t);
  return [...byDigest.values()];
}

// Removes one tag as ECR does: the image goes with its last tag, else only the tag does.
export async function untagImage(state: FakeState, repo: FakeRepository, image: EcrImage, tag: string): Promise<void> {
  repo.images.delete(tag);
  if (state.registry === undefined) return;
  const rest = image.tags.filter((t) => t !== tag);
  // docker-registry 2.8 cannot delete a tag alone: delete the manifest, put it back under the others.
  const manifest = rest.length > 0 ? await state.registry.manifest(repo.name, image.digest) : undefined;
  await state.registry.deleteManifest(repo.name, image.digest);
  for (const t of rest) await state.registry.putManifest(repo.name, t, manifest!);
  image.tags = rest;
}

// Removes an image with all its tags.
export async function deleteImage(state: FakeState, repo: FakeRepository, image: EcrImage): Promise<void> {
  for (const t of image.tags) repo.images.delete(t);
  if (state.registry !== undefined) await state.registry.deleteManifest(repo.name, image.digest);
  image.tags = [];
}
