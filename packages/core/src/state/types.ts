// The state file's shape: compatible with the original pctl (`pctl.<stack>.json`).
import { z } from 'zod';

export const StateEntrySchema = z.looseObject({
  provider: z.string(),
  image: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  fingerprint: z.string().optional(),
  replica: z.union([z.number(), z.tuple([z.number(), z.number()])]).optional(),
  hasPorts: z.boolean().optional(),
  pushedByPctl: z.boolean().optional(),
  builtByPctl: z.boolean().optional(),
  destroyed: z.boolean().optional(),
  /** Written before a deploy starts, cleared when it ends: a crash leaves it set. */
  pending: z.boolean().optional(),
  buildHash: z.string().optional(),
  configHash: z.string().optional(),
  optionsHash: z.string().optional(),
  /** An image the original pctl built for an adopted service: removed with it. */
  originalImage: z.string().optional(),
  /** ISO time of the last change to this entry. */
  updatedAt: z.string().optional(),
});

export const StateFileSchema = z.record(z.string(), StateEntrySchema);

export type StateEntry = z.output<typeof StateEntrySchema>;
export type StateFile = Record<string, StateEntry>;
