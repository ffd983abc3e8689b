// Which build context is sent to the engine: only the files the Dockerfile reads when they
// are known exactly, else the whole context folder after .dockerignore (as the docker CLI sends it).
import path from 'node:path';
import type { ContextEntry } from './context.js';
import type { AnalyzedBuild } from './hash.js';
import type { BuildSpec } from './spec.js';

export type ContextPlan =
  | { kind: 'inputs'; entries: ContextEntry[]; describe: string }
  | { kind: 'folder'; describe: string };

// Decides what context a build sends, with the sentence `pctl build --explain` prints.
export function contextPlan(spec: BuildSpec, analyzed: AnalyzedBuild): ContextPlan {
  const { selection, context } = analyzed;
  const folder = (why: string): ContextPlan => ({
    kind: 'folder',
    describe: `the whole context folder ${spec.contextDir} (${context.length} files after .dockerignore): ${why}`,
  });
  if (spec.builder === 'custom') return folder('builder custom sends what its command sends');
  if (selection.wholeContext.length)
    return folder(`what the Dockerfile reads cannot be known exactly: ${selection.wholeContext[0]}`);
  if (spec.builder === 'buildx') return folder('BuildKit itself transfers only the files the Dockerfile reads');
  if (selection.copiesEverything) return folder('the Dockerfile copies all of it');
  const entries = [...selection.entries];
  // The .dockerignore goes along (the engine reads it to drop the Dockerfile if ignored),
  // but not when `<Dockerfile>.dockerignore` applied: BuildKit would apply the other one.
  const rootIgnore = path.join(spec.contextDir, '.dockerignore');
  const ignore = analyzed.ignoreFile === rootIgnore ? context.find((e) => e.rel === '.dockerignore') : undefined;
  if (ignore && !entries.includes(ignore)) entries.push(ignore);
  const n = selection.entries.length;
  return {
    kind: 'inputs',
    entries,
    describe: `only the ${n} file${n === 1 ? '' : 's'} the Dockerfile reads${ignore ? ', the .dockerignore' : ''} and the Dockerfile, as a tar stream (of ${context.length} in ${path.relative(process.cwd(), spec.contextDir) || '.'})`,
  };
}
