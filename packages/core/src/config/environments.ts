// The environments a stack file defines, read without loading the stack (for `--env all`).
import path from 'node:path';
import { environmentNames } from './compose.js';
import { MAX_STACK_FILE_BYTES, readRegularFile } from './read.js';
import { parseStackYaml } from './yaml.js';

/** The usable environment names under `environments:`, in file order; [] when the file cannot be read or parsed (loading it reports why). */
export async function listEnvironments(o: { configPath: string; cwd?: string }): Promise<string[]> {
  try {
    const parsed = parseStackYaml(
      await readRegularFile(path.resolve(o.cwd ?? process.cwd(), o.configPath), MAX_STACK_FILE_BYTES),
    );
    const v = parsed.value;
    return !parsed.issues.length && v && typeof v === 'object' && !Array.isArray(v)
      ? environmentNames(v as Record<string, unknown>)
      : [];
  } catch {
    return [];
  }
}
