// What a Dockerfile copies from its context (COPY/ADD sources after ARG/ENV expansion),
// and the in-memory additions pctl makes to it (ENTRYPOINT override, labels) in the
// stage that is built.
import { cleanPath } from './dockerignore.js';
import { dockerfileInputs } from './dockerfileInputs.js';
import { parseDockerfile, splitFlags } from './dockerfileSyntax.js';
import { compileGlob, matchGlob } from './globMatch.js';
import { contextRelative } from './inputSelection.js';

export interface CopyInstruction {
  sources: string[];
  dest: string;
}

// COPY/ADD instructions that read the context (no --from, no URLs, no heredocs), sources expanded.
export function parseCopies(dockerfile: string, args: Record<string, string> = {}): CopyInstruction[] {
  const byLine = new Map<number, CopyInstruction>();
  for (const c of dockerfileInputs(dockerfile, args).copies) {
    const ins = byLine.get(c.line);
    if (ins) ins.sources.push(c.source);
    else byLine.set(c.line, { sources: [c.source], dest: c.dest });
  }
  return [...byLine.values()];
}

// The context files a Dockerfile copies (paths only, no symlink resolution); everything for `COPY .`.
export function copiedFiles(dockerfile: string, contextFiles: string[], args: Record<string, string> = {}): string[] {
  const sources = parseCopies(dockerfile, args)
    .flatMap((c) => c.sources)
    .map(contextRelative);
  if (sources.includes('.')) return contextFiles;
  const globs = sources.map((s) => compileGlob(s, 'filepath'));
  return contextFiles.filter((f) => {
    const parts = f.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (globs.some((g) => matchGlob(g, prefix))) return true;
    }
    return false;
  });
}

// `COPY src /abs/dest` pairs, for live sync of folders into running containers.
export function syncPairs(dockerfile: string): { source: string; dest: string }[] {
  return parseCopies(dockerfile)
    .filter((c) => c.dest.startsWith('/') && c.sources.length === 1 && !/[*?[]/.test(c.sources[0]!))
    .map((c) => ({ source: cleanPath(c.sources[0]!), dest: c.dest }));
}

// Adds instructions at the end of the stage that is built (`target`, else the last one).
export function appendToStage(dockerfile: string, lines: string[], target?: string): string {
  if (!lines.length) return dockerfile;
  const stages = parseDockerfile(dockerfile).instructions.filter((i) => i.keyword === 'FROM');
  const idx = target
    ? stages.findIndex(
        (s) => /\bAS\s+(\S+)\s*$/i.exec(splitFlags(s.args).rest)?.[1]?.toLowerCase() === target.toLowerCase(),
      )
    : -1;
  const next = idx >= 0 ? stages[idx + 1] : undefined;
  if (!next) return `${dockerfile.replace(/\s*$/, '')}\n${lines.join('\n')}\n`;
  const physical = dockerfile.split('\n');
  physical.splice(next.line - 1, 0, ...lines);
  return physical.join('\n');
}

// Applies an ENTRYPOINT override in memory, in the stage that is built.
export function withEntrypoint(dockerfile: string, entrypoint: string[] | undefined, target?: string): string {
  if (!entrypoint) return dockerfile;
  return appendToStage(dockerfile, [`ENTRYPOINT ${JSON.stringify(entrypoint)}`], target);
}

// One LABEL instruction carrying every label (one build step, one commit), values quoted
// for Docker's lexer (no variable expansion, no line breaks).
export function labelInstruction(labels: Record<string, string>): string[] {
  const q = (s: string) => `"${s.replace(/[\r\n]+/g, ' ').replace(/[\\"$]/g, '\\$&')}"`;
  const pairs = Object.entries(labels).map(([k, v]) => `${q(k)}=${q(v)}`);
  return pairs.length ? [`LABEL ${pairs.join(' ')}`] : [];
}
