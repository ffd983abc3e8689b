// The build hash: the Dockerfile after the entrypoint override, build args, target,
// builder, and every context file the Dockerfile copies (path, type, exec bit, bytes).
// Timestamps do not count. Files are read as streams, many at once.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import { copiedFiles, withEntrypoint } from './dockerfile.js';
import { walkContext, type ContextEntry } from './context.js';
import type { BuildSpec } from './spec.js';

export interface BuildRecord {
  /** sha256 hex over every input; the image tag is its first 12 characters. */
  hash: string;
  dockerfileHash: string;
  /** Digest of each copied file (path -> sha256 of type, mode and content). */
  inputs: Record<string, string>;
}

const CONCURRENCY = Math.max(16, os.availableParallelism() * 16);
// Small files are read whole (fewer round trips); large ones are streamed.
const STREAM_ABOVE = 8 * 1024 * 1024;

async function digestEntry(e: ContextEntry): Promise<string> {
  const h = createHash('sha256');
  if (e.type === 'symlink') {
    h.update(`symlink\0${await fs.readlink(e.abs)}`);
    return h.digest('hex');
  }
  const st = await fs.stat(e.abs);
  h.update(`file\0${st.mode & 0o111 ? 'x' : '-'}\0`);
  if (st.size <= STREAM_ABOVE) return h.update(await fs.readFile(e.abs)).digest('hex');
  await new Promise<void>((resolve, reject) => {
    const s = createReadStream(e.abs, { highWaterMark: 1 << 20 });
    s.on('data', (chunk) => h.update(chunk));
    s.on('error', reject);
    s.on('end', () => resolve());
  });
  return h.digest('hex');
}

// Maps items with a bounded number in flight, keeping order.
async function mapBounded<T, R>(items: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

// pctl's own files (state, backup, lock, temp files, .pctl/) often sit in the build
// context; they are never build inputs, or every deploy would change the hash.
export function isPctlBookkeeping(rel: string): boolean {
  const parts = rel.split('/');
  const base = parts[parts.length - 1]!;
  return parts.slice(0, -1).includes('.pctl') || /^\.?pctl\.[^/]*\.json(\..*)?$/.test(base);
}

export async function hashBuildInputs(spec: BuildSpec): Promise<BuildRecord> {
  const dockerfile = withEntrypoint(await fs.readFile(spec.dockerfilePath, 'utf8'), spec.entrypoint);
  const entries = (await walkContext(spec)).filter((e) => !isPctlBookkeeping(e.rel));
  const wanted = new Set(copiedFiles(dockerfile, entries.map((e) => e.rel)));
  const copied = entries.filter((e) => wanted.has(e.rel));
  const digests = await mapBounded(copied, CONCURRENCY, digestEntry);
  const inputs: Record<string, string> = {};
  copied.forEach((e, i) => (inputs[e.rel] = digests[i]!));
  const dockerfileHash = createHash('sha256').update(dockerfile).digest('hex');
  const h = createHash('sha256');
  h.update(`pctl-build-v1\0dockerfile\0${dockerfileHash}\0`);
  h.update(`target\0${spec.target ?? ''}\0builder\0${spec.builder}\0command\0${JSON.stringify(spec.command ?? null)}\0`);
  for (const k of Object.keys(spec.args).sort()) h.update(`arg\0${k}=${spec.args[k]}\0`);
  for (const e of copied) h.update(`in\0${e.rel}\0${inputs[e.rel]}\0`);
  return { hash: h.digest('hex'), dockerfileHash, inputs };
}

// Names the first input that differs between two records, or undefined when equal.
export function diffBuildRecords(prev: BuildRecord | undefined, next: BuildRecord): string | undefined {
  if (!prev) return 'no earlier build is recorded';
  if (prev.hash === next.hash) return undefined;
  if (prev.dockerfileHash !== next.dockerfileHash) return 'the Dockerfile changed';
  const paths = [...new Set([...Object.keys(prev.inputs), ...Object.keys(next.inputs)])].sort();
  for (const p of paths) {
    if (!(p in prev.inputs)) return `${p} was added`;
    if (!(p in next.inputs)) return `${p} was removed`;
    if (prev.inputs[p] !== next.inputs[p]) return `${p} changed`;
  }
  return 'build args, target or builder changed';
}
