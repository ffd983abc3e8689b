// The images pctl built, in Artifact Registry: where each goes, pushing it once per run
// unless the tag is there (after one `docker login` with the access token), and deleting
// only the tags pctl pushed.
import {
  Events,
  builtForStack,
  PctlError,
  removeImage,
  tagImage,
  type DeployParams,
  type ProviderContext,
} from '@pctl/core';
import { loginOnce, type ClusterImage, type KubeEntry } from '@pctl/kube';
import { regionOf, registryHostFor, type GcpOptions } from './options.js';
import { artifactRegistry, parseImage, TOKEN_USER } from './registry.js';
import type { GcpStateExtras } from './state.js';
import { accessToken } from './token.js';

/** `pctl-<stack>-<service>:<tag>`, an image pctl built into the local engine. */
export const isLocalBuild = (ref: string) => /^pctl-[a-z0-9][-a-z0-9_.]*:[\w.-]+$/.test(ref);

/** <host>/<project>/<repository>/<stack>-<service>:<content tag> for a local build. */
export function artifactRef(o: GcpOptions, localRef: string): string {
  const colon = localRef.lastIndexOf(':');
  const name = localRef.slice(0, colon).replace(/^pctl-/, '');
  return `${registryHostFor(o)}/${o.project}/${o.repository}/${name}:${localRef.slice(colon + 1)}`;
}

const pushes = new Map<string, Promise<boolean>>();

const dockerLogin = (ctx: ProviderContext, host: string) =>
  loginOnce(ctx, host, {
    username: TOKEN_USER,
    credentials: async () => {
      const t = await accessToken();
      return { password: t, secrets: [t] };
    },
    what: `logging in to Artifact Registry ${host} with the Google access token`,
    hint: 'the credentials need roles/artifactregistry.writer on the repository',
  });

/** Puts a local build into Artifact Registry unless the tag is there; true when pushed now. */
export function ensurePushed(ctx: ProviderContext, o: GcpOptions, localRef: string, key: string): Promise<boolean> {
  const ref = artifactRef(o, localRef);
  let p = pushes.get(ref);
  if (!p) {
    p = (async () => {
      const { host, name, tag } = parseImage(ref);
      const api = artifactRegistry(host, await accessToken(), ctx.signal);
      if (await api.digest(name, tag)) {
        ctx.reporter.info(`${ref} is already in Artifact Registry, not pushing`, key, Events.PushSkipped);
        return false;
      }
      await dockerLogin(ctx, host);
      ctx.reporter.info(`pushing ${ref}`, key, Events.PushStarted);
      await tagImage(ctx, localRef, ref);
      const pushed = await ctx.exec('docker', ['push', '--', ref], { reject: false, signal: ctx.signal });
      if (pushed.exitCode !== 0) {
        throw new PctlError({
          code: 'PushFailed',
          message: `pushing ${ref}: ${(pushed.stderr || pushed.stdout).split('\n').filter(Boolean).at(-1) ?? `exit ${pushed.exitCode}`}`,
          fault: 'environment',
          exitCode: 1,
          hint: `check that the Artifact Registry repository ${o.repository} exists in ${o.registryLocation ?? regionOf(o.zone)} (gcloud artifacts repositories create ${o.repository} --repository-format=docker --location ${o.registryLocation ?? regionOf(o.zone)} --project ${o.project})`,
        });
      }
      return true;
    })();
    pushes.set(ref, p);
    p.catch(() => pushes.delete(ref));
  }
  return p;
}

/** The image the cluster runs: built images (with no `registry` of their own) from Artifact Registry. */
export function imageFor(p: DeployParams, o: GcpOptions): ClusterImage {
  const { target } = p;
  const ref = target.image.ref;
  if (
    ref &&
    !target.service.registry &&
    (target.image.builtByPctl || target.service.image?.startsWith('pctl://')) &&
    isLocalBuild(ref)
  )
    return { ref: artifactRef(o, ref), local: ref };
  return { ref };
}

/** The access token reads Artifact Registry: the options' host, or any *-docker.pkg.dev. */
export async function pullAuth(
  o: GcpOptions,
  host: string,
): Promise<{ username: string; password: string } | undefined> {
  return host === registryHostFor(o) || /-docker\.pkg\.dev$/.test(host)
    ? { username: TOKEN_USER, password: await accessToken() }
    : undefined;
}

// The Artifact Registry tag goes only when pctl pushed it, and only with the service whose
// build it is (others that take it with pctl:// leave it).
export async function removeArtifact(ctx: ProviderContext, key: string, e: KubeEntry): Promise<void> {
  const entry = e as Partial<GcpStateExtras>;
  if (!entry.artifactImage || !entry.artifactPushedByPctl) return;
  const { host, name, tag } = parseImage(entry.artifactImage);
  if (name.endsWith(`/${key}`)) {
    const r = await artifactRegistry(host, await accessToken(), ctx.signal).deleteTag(name, tag);
    if (r === 'deleted')
      ctx.reporter.info(`deleted ${entry.artifactImage} from Artifact Registry`, key, Events.ImageDeleted);
    else if (r === 'unsupported')
      ctx.reporter.info(`the registry does not allow deletes: ${entry.artifactImage} stays`, key);
  }
  // The local tag pctl made: only on an image its labels say pctl built for the stack.
  if (await builtForStack(ctx, entry.artifactImage, ctx.stack)) await removeImage(ctx, entry.artifactImage);
}
