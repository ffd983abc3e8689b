// The images a Dockerfile's FROM lines name (stages of the file and `scratch` left out),
// with the ARGs before the first FROM expanded as Docker expands them, and the registry
// each comes from: the registries a build may pull from.
import { parseDockerfile, splitFlags } from './dockerfileSyntax.js';
import { expandWord } from './shellExpand.js';

export interface BaseImages {
  images: string[];
  /** A FROM line whose image cannot be known before the build (then any registry may be asked). */
  unknown: boolean;
}

// Base images of a Dockerfile for the given build args.
export function baseImages(dockerfile: string, buildArgs: Record<string, string>): BaseImages {
  const parsed = parseDockerfile(dockerfile);
  const globals = new Map<string, string | undefined>();
  const stageNames = new Set<string>();
  const images = new Set<string>();
  let unknown = false;
  let seenFrom = false;
  for (const ins of parsed.instructions) {
    if (ins.keyword === 'ARG' && !seenFrom) {
      for (const word of ins.args.split(/\s+/).filter(Boolean)) {
        const eq = word.indexOf('=');
        const key = eq < 0 ? word : word.slice(0, eq);
        const raw = eq < 0 ? undefined : word.slice(eq + 1);
        const dflt = raw === undefined ? undefined : expandWord(raw, (n) => globals.get(n), parsed.escape);
        globals.set(key, key in buildArgs ? buildArgs[key] : dflt && 'value' in dflt ? dflt.value : undefined);
      }
    }
    if (ins.keyword !== 'FROM') continue;
    seenFrom = true;
    const words = splitFlags(ins.args).rest.split(/\s+/);
    const r = expandWord(words[0] ?? '', (n) => globals.get(n), parsed.escape);
    if (!('value' in r) || !r.value) unknown = true;
    else if (r.value.toLowerCase() !== 'scratch' && !stageNames.has(r.value.toLowerCase())) images.add(r.value);
    if (words[1]?.toLowerCase() === 'as' && words[2]) stageNames.add(words[2].toLowerCase());
  }
  return { images: [...images], unknown };
}

/** The key Docker Hub's credentials go under in a docker config and in X-Registry-Config. */
export const DOCKER_HUB = 'https://index.docker.io/v1/';

// The registry an image ref is pulled from, as a config key: a host[:port], or Docker Hub's key.
export function imageRegistry(ref: string): string {
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  const isHost = first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
  if (!isHost || first === 'docker.io' || first === 'index.docker.io' || first === 'registry-1.docker.io')
    return DOCKER_HUB;
  return first;
}
