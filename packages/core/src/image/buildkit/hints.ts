// What to do about a BuildKit failure that comes from the Dockerfile frontend rather than
// a step: a `# syntax=` image the engine cannot get, or syntax the engine's built-in
// frontend predates (heredocs, COPY --link: Dockerfile syntax 1.4, built in from Docker 23).
import { parseDockerfile } from '../dockerfileSyntax.js';

export function frontendHint(dockerfile: string, message: string): string | undefined {
  const parsed = parseDockerfile(dockerfile);
  const syntax = parsed.directives.syntax;
  if (
    syntax &&
    /(resolve|pull|fetch|not found|failed to do request|dial tcp|no such host)/i.test(message) &&
    /frontend|dockerfile|resolve image config|source metadata/i.test(message)
  ) {
    return `the engine could not get the Dockerfile frontend image ${syntax} that "# syntax=" names: an offline engine needs that image already (docker load it there), or drop the "# syntax=" line`;
  }
  const heredoc = parsed.instructions.some((i) => i.heredocs.length);
  if ((heredoc && /unknown instruction/i.test(message)) || /Unknown flag: (link|exclude|parents)/i.test(message)) {
    return 'heredocs and COPY --link need Dockerfile syntax 1.4 or later: built into Docker 23 and later; on an older engine start the Dockerfile with "# syntax=docker/dockerfile:1" (the engine must be able to get that frontend image)';
  }
  return undefined;
}
