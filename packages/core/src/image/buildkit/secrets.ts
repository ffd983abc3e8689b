// Build secrets (`build.secrets`): the ids a Dockerfile mounts must all be defined, checked
// before the build; the values go to the engine only through the build's session, on
// BuildKit's request, and are masked in every output.
import { PctlError } from '../../errors.js';
import { rememberSecret } from '../../output/mask.js';
import { dockerfileInputs } from '../dockerfileInputs.js';
import type { BuildSpec } from '../spec.js';

// The secrets of a build by id, after checking that every id the Dockerfile mounts has a value.
export function buildSecrets(spec: BuildSpec, dockerfile: string): Map<string, Buffer> {
  const defined = spec.secrets ?? {};
  for (const v of Object.values(defined)) rememberSecret(v);
  const { secrets: mounted } = dockerfileInputs(dockerfile, spec.args);
  const missing = mounted.find((m) => !Object.hasOwn(defined, m.id));
  if (missing) {
    const who = spec.service ? `service ${spec.service}` : 'the build';
    throw new PctlError({
      code: 'BuildSecretMissing',
      exitCode: 1,
      fault: 'user',
      message: `${spec.dockerfilePath}:${missing.line}: RUN --mount=type=secret,id=${missing.id} needs build secret "${missing.id}", which build.secrets of ${who} does not define`,
      hint: `add it to the service's build block: secrets: { ${missing.id}: "\${env:${missing.id.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}}" } (or \${file:...}, \${ssm:...})`,
    });
  }
  return new Map(Object.entries(defined).map(([id, value]) => [id, Buffer.from(value, 'utf8')]));
}
