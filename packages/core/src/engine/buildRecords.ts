// The inputs of each service's last build, kept in `.pctl/<stack>.builds.json` beside the
// state file, so `pctl build --explain` can name the first input that changed since.
// Only an explanation aid: whether to build is decided by the content tag, never by this file.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BuildRecord } from '../image/hash.js';
import { replaceFile } from '../state/replaceFile.js';

export type BuildRecords = Record<string, { ref: string; record: BuildRecord; builtAt: string }>;

export function buildRecordsPath(cwd: string, stack: string): string {
  return path.join(cwd, '.pctl', `${stack}.builds.json`);
}

export async function readBuildRecords(cwd: string, stack: string): Promise<BuildRecords> {
  try {
    return JSON.parse(await fs.readFile(buildRecordsPath(cwd, stack), 'utf8')) as BuildRecords;
  } catch {
    return {};
  }
}

export async function saveBuildRecords(cwd: string, stack: string, update: BuildRecords): Promise<void> {
  const file = buildRecordsPath(cwd, stack);
  const all = { ...(await readBuildRecords(cwd, stack)), ...update };
  await fs.mkdir(path.dirname(file), { recursive: true });
  await replaceFile(file, JSON.stringify(all, null, 2) + '\n');
}
