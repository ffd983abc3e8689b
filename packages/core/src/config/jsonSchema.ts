// The JSON Schema of the stack file, generated from the zod schema (committed under schemas/).
import { z } from 'zod';
import { StackSchema } from './schema.js';

export function stackJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(StackSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://pctl.dev/schemas/pctl.schema.json', title: 'pctl stack file' };
}
