// npm run schemas: regenerates schemas/pctl.schema.json from the zod schema.
import { writeFileSync } from 'node:fs';
const { stackJsonSchema } = await import('../packages/core/dist/config/jsonSchema.js');
writeFileSync(
  new URL('../schemas/pctl.schema.json', import.meta.url),
  JSON.stringify(stackJsonSchema(), null, 2) + '\n',
);
console.log('wrote schemas/pctl.schema.json');
const { outputJsonSchema, errorCodesMarkdown } = await import('../packages/cli/dist/outputSchema.js');
writeFileSync(
  new URL('../schemas/pctl-output.schema.json', import.meta.url),
  JSON.stringify(outputJsonSchema(), null, 2) + '\n',
);
writeFileSync(new URL('../docs/using/errors.md', import.meta.url), errorCodesMarkdown());
console.log('wrote schemas/pctl-output.schema.json and docs/using/errors.md');
const { eventCodesMarkdown } = await import('../packages/cli/dist/eventCodesDoc.js');
writeFileSync(new URL('../docs/using/events.md', import.meta.url), eventCodesMarkdown());
console.log('wrote docs/using/events.md');
