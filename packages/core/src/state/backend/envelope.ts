// How a remote backend stores a state: the stack's entries in an envelope that names the
// format and the stack, so a state from a newer pctl or another stack is refused (and left
// as it is) instead of being read as this stack's. The local file keeps the original
// pctl's bare map, which the original reads too.
import { PctlError } from '../../errors.js';
import { MAX_STATE_BYTES, parseStateText } from '../store.js';
import type { StateFile } from '../types.js';

export const STATE_FORMAT = 1;

interface Envelope {
  pctlStateFormat: number;
  stack: string;
  state: StateFile;
}

function sorted(state: StateFile): StateFile {
  const out: StateFile = {};
  for (const k of Object.keys(state).sort()) out[k] = state[k]!;
  return out;
}

// The text stored for a stack's state.
export function encodeState(stack: string, state: StateFile, where: string): string {
  const body =
    JSON.stringify({ pctlStateFormat: STATE_FORMAT, stack, state: sorted(state) } satisfies Envelope, null, 2) + '\n';
  if (Buffer.byteLength(body) > MAX_STATE_BYTES) {
    throw new PctlError({
      code: 'StateTooLarge',
      message: `state ${where} would be ${Buffer.byteLength(body)} bytes, more than the ${MAX_STATE_BYTES} a state can be; it was left as it is`,
      fault: 'tool',
      exitCode: 1,
    });
  }
  return body;
}

// The entries of a stored state; corrupt, foreign (another stack) or newer states are refused.
export function decodeState(text: string, stack: string, where: string): StateFile {
  const fix =
    'restore an earlier version (`pctl state history`, `pctl state pull --version-id`), or rebuild it with `pctl state recover`';
  if (Buffer.byteLength(text) > MAX_STATE_BYTES) {
    throw new PctlError({
      code: 'StateUnreadable',
      message: `state ${where} is larger than the ${MAX_STATE_BYTES} bytes a state can be; it was left as it is`,
      fault: 'user',
      exitCode: 1,
      hint: fix,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PctlError({
      code: 'StateCorrupt',
      message: `state ${where} is not valid JSON (${(e as Error).message}); it was left as it is`,
      fault: 'user',
      exitCode: 1,
      hint: fix,
    });
  }
  const env = raw as Partial<Envelope> | null;
  if (!env || typeof env !== 'object' || Array.isArray(env) || typeof env.pctlStateFormat !== 'number') {
    throw new PctlError({
      code: 'StateInvalid',
      message: `state ${where} is not a pctl state (no pctlStateFormat); it was left as it is`,
      fault: 'user',
      exitCode: 1,
      hint: fix,
    });
  }
  if (env.pctlStateFormat > STATE_FORMAT) {
    throw new PctlError({
      code: 'StateTooNew',
      message: `state ${where} was written by a newer pctl (state format ${env.pctlStateFormat}; this pctl reads up to ${STATE_FORMAT}); it was left as it is`,
      fault: 'user',
      exitCode: 1,
      hint: 'upgrade pctl',
    });
  }
  if (env.stack !== stack) {
    throw new PctlError({
      code: 'StateInvalid',
      message: `state ${where} belongs to stack ${JSON.stringify(env.stack)}, not ${JSON.stringify(stack)}; it was left as it is`,
      fault: 'user',
      exitCode: 1,
      hint: 'point this stack at its own key (state.key or --state)',
    });
  }
  return parseStateText(JSON.stringify(env.state ?? null), where, fix);
}
