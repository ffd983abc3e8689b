// A build by the engine's own builder through POST /build: BuildKit wherever the engine
// offers it (`builder: docker`), else, or with `builder: classic`, the classic builder,
// with one notice per engine saying why.
import { engineFor, type Engine } from '../dockerApi/index.js';
import { buildWithBuildKit } from './buildkit/build.js';
import { buildSecrets } from './buildkit/secrets.js';
import { engineCacheTo } from './buildkit/cacheOptions.js';
import { buildSshAgents } from './buildkit/sshCheck.js';
import { builderOf } from './buildkit/support.js';
import { registryConfig, type EngineBuildOptions } from './buildRequest.js';
import { buildClassic } from './classicBuild.js';
import { tagImage } from './engineImages.js';
import { pushImage } from './registry.js';

export type { EngineBuildOptions } from './buildRequest.js';

const noticed = new WeakSet<Engine>();

// Builds o.ref on the local engine; a failed step is BuildFailed with the step's output as detail.
export async function buildOnEngine(o: EngineBuildOptions): Promise<void> {
  // A secret the Dockerfile mounts but build.secrets lacks stops the build before it starts.
  const secrets = buildSecrets(o.spec, o.analyzed.dockerfile);
  // So does an ssh agent it mounts that build.ssh does not forward, or one that does not answer.
  const ssh = await buildSshAgents(o.spec, o.analyzed.dockerfile);
  const engine = await engineFor({ exec: o.exec, signal: o.signal });
  const classic = (why: string) => {
    if (o.spec.cacheFrom?.length || o.spec.cacheTo?.length)
      o.onNotice?.(`build.cacheFrom and build.cacheTo are not used: ${why} (registry caches need BuildKit)`);
  };
  if (o.spec.builder === 'classic') {
    classic('builder classic');
    return buildClassic(o, engine, await registryConfig(o, o.analyzed.dockerfile));
  }
  // An engine that does not answer the ping is reported by the build itself.
  const choice = await builderOf(engine).catch(() => ({ builder: 'buildkit' as const }));
  if (choice.builder === 'classic') {
    if (!noticed.has(engine)) o.onNotice?.(`building with the classic builder: ${choice.why}`);
    noticed.add(engine);
    classic('the engine builds with its classic builder');
    return buildClassic(o, engine, await registryConfig(o, o.analyzed.dockerfile));
  }
  // BuildKit asks for registry credentials through its session, only for what it pulls.
  const cacheTo = engineCacheTo(o.spec.cacheTo ?? [], o.spec.service);
  await buildWithBuildKit(o, engine, { ...(secrets.size ? { secrets } : {}), ...(ssh.size ? { ssh } : {}) });
  // cacheTo type=registry: the image with its inline cache, pushed to the cache's ref.
  for (const c of cacheTo) {
    if (c.type !== 'registry' || !c.ref) continue;
    o.onLine(`exporting cache to ${c.ref}`, 'step');
    await tagImage({ exec: o.exec, signal: o.signal }, o.ref, c.ref);
    await pushImage({ ref: c.ref, exec: o.exec, signal: o.signal });
  }
}
