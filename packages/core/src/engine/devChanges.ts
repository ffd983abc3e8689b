// What `pctl dev` does about a change: the build record a deploy would compute now, next to
// the one of the last deploy (or sync), decides. A changed input that a COPY pair covers is
// synced; a Dockerfile, a build argument, or a file no pair covers is a redeploy.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BuildRecord } from '../image/index.js';
import { sha256 } from './canonical.js';
import { within, type Pair } from './sync.js';

export type DevChange =
  | { kind: 'none' }
  | { kind: 'sync'; changed: string[]; deleted: string[] }
  | { kind: 'deploy'; why: string };

// Compares two build records of one service; `pairs` undefined: it cannot be synced (sync is
// off, its provider has no sync verb, or its Dockerfile has no COPY to an absolute folder).
export function classifyChange(
  prev: BuildRecord | undefined,
  next: BuildRecord | undefined,
  pairs: Pair[] | undefined,
): DevChange {
  if (!prev && !next) return { kind: 'none' };
  if (!prev || !next) return { kind: 'deploy', why: 'how its image is made changed' };
  if (prev.hash === next.hash) return { kind: 'none' };
  if (prev.dockerfileHash !== next.dockerfileHash) return { kind: 'deploy', why: 'the Dockerfile changed' };
  const changed = Object.keys(next.inputs).filter((f) => prev.inputs[f] !== next.inputs[f]);
  const deleted = Object.keys(prev.inputs).filter((f) => !(f in next.inputs));
  const first = changed[0] ?? deleted[0];
  if (first === undefined) return { kind: 'deploy', why: 'its build arguments changed' };
  if (!pairs?.length) return { kind: 'deploy', why: `${first} changed` };
  const outside = [...changed, ...deleted].find((f) => !pairs.some((p) => within(f, p.source)));
  if (outside !== undefined)
    return { kind: 'deploy', why: `${outside} changed, and no COPY to an absolute folder covers it` };
  return { kind: 'sync', changed, deleted };
}

// The stack file and the YAML files beside it (included files, environments): a signature
// that changes when one of them does.
export async function stackFilesSignature(configPath: string): Promise<string> {
  const dir = path.dirname(configPath);
  const names = (await fs.readdir(dir).catch(() => [] as string[]))
    .filter((n) => /\.ya?ml$/i.test(n) || n === path.basename(configPath))
    .sort();
  const parts: string[] = [];
  for (const n of names) {
    const text = await fs.readFile(path.join(dir, n), 'utf8').catch(() => undefined);
    if (text !== undefined) parts.push(`${n}\0${sha256(text)}`);
  }
  return sha256(parts.join('\0'));
}

// Whether a file event in the stack file's folder may concern the stack (not the state file pctl writes).
export function isStackFileEvent(configPath: string, filename: string | null): boolean {
  if (!filename) return true;
  return filename === path.basename(configPath) || /\.ya?ml$/i.test(filename);
}
