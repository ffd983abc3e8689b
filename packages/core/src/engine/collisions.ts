// Two stacks in one working folder must not name the same resources: keys are
// `<stack>-<service>`, so stack `a` with service `b-c` and stack `a-b` with service `c`
// both make `a-b-c` (one container name, one Kubernetes name). Such a stack file is
// refused before anything runs, naming both stacks and both services.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { StackConfig } from '../config/schema.js';
import { PctlError } from '../errors.js';
import { dnsName } from '../names.js';
import { serviceOfKey } from '../serviceKey.js';

const STATE_FILE = /^pctl\.(.+)\.json$/;

/** One key this stack shares with another stack's state file in the folder. */
export interface KeyCollision {
  key: string;
  service: string;
  otherStack: string;
  otherKey: string;
  otherFile: string;
}

// The keys of this stack that another stack's state file in `cwd` already holds (compared
// as platform names, so `A-b` and `a-b` collide as Docker and Kubernetes see them).
export async function keyCollisions(cwd: string, config: StackConfig): Promise<KeyCollision[]> {
  let names: string[];
  try {
    names = await fs.readdir(cwd);
  } catch {
    return [];
  }
  const mine = new Map(Object.keys(config.services).map((s) => [dnsName(`${config.name}-${s}`), s]));
  const found: KeyCollision[] = [];
  for (const file of names.sort()) {
    const other = STATE_FILE.exec(file)?.[1];
    if (!other || other === config.name) continue;
    let keys: string[];
    try {
      const st = await fs.lstat(path.join(cwd, file));
      if (!st.isFile() || st.size > 64 * 1024 * 1024) continue;
      const parsed = JSON.parse(await fs.readFile(path.join(cwd, file), 'utf8')) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) continue;
      keys = Object.keys(parsed);
    } catch {
      continue; // not a state file we can read: its own command reports that
    }
    for (const otherKey of keys) {
      const service = mine.get(dnsName(otherKey));
      if (service !== undefined)
        found.push({ key: `${config.name}-${service}`, service, otherStack: other, otherKey, otherFile: file });
    }
  }
  return found;
}

// Refuses (exit 2) a stack whose keys another stack in the folder already uses.
export async function refuseKeyCollisions(
  cwd: string,
  config: StackConfig,
  configFile: string,
  lineOf?: (path: (string | number)[]) => number | undefined,
): Promise<void> {
  const found = await keyCollisions(cwd, config);
  const first = found[0];
  if (!first) return;
  const line = lineOf?.(['services', first.service]);
  const otherService = serviceOfKey(first.otherStack, first.otherKey) ?? first.otherKey;
  throw new PctlError({
    code: 'KeyCollision',
    message: `${configFile}${line ? `:${line}` : ''}: services.${first.service}: stack ${config.name} service ${first.service} has the key ${first.key}, which stack ${first.otherStack} (${first.otherFile}) uses for its service ${otherService}: both would own the same containers and objects${found.length > 1 ? ` (and ${found.length - 1} more)` : ''}`,
    fault: 'user',
    exitCode: 2,
    hint: 'rename the service or the stack (name:, or --name), or run the other stack from another folder',
    detail: found.map((c) => `${c.key}: also ${c.otherKey} of stack ${c.otherStack} (${c.otherFile})`).join('\n'),
  });
}
