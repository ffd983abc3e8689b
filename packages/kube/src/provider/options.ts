// A cloud provider's `provider.options` through its schema: the data, or one InvalidConfig
// line naming the first wrong path (provider.options.cluster: ...).
import type { z } from 'zod';
import { PctlError } from '@pctl/core';

/** Parses `raw` (absent: `{}`) with `schema`; throws InvalidConfig naming the first issue's path. */
export function parseProviderOptions<S extends z.ZodType>(
  schema: S,
  raw: Record<string, unknown> | undefined,
): z.output<S> {
  const r = schema.safeParse(raw ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    throw new PctlError({
      code: 'InvalidConfig',
      message: `provider.options${i?.path.length ? `.${i.path.join('.')}` : ''}: ${i?.message}`,
      fault: 'user',
    });
  }
  return r.data;
}
