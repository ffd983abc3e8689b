// Validates rendered Kubernetes objects against the official OpenAPI schemas (kubernetes-models).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
type Obj = { apiVersion: string; kind: string; metadata: { name: string } };

/** Throws naming the object when one of `objects` is not valid for its apiVersion and kind. */
export function validateObjects(objects: readonly Obj[]): void {
  for (const o of objects) {
    const mod = require(`kubernetes-models/${o.apiVersion}/${o.kind}`) as Record<
      string,
      new (
        d: unknown,
      ) => { validate(): void }
    >;
    const Model = mod[o.kind] ?? (mod as { default?: new (d: unknown) => { validate(): void } }).default;
    if (!Model) throw new Error(`no schema model for ${o.apiVersion}/${o.kind}`);
    try {
      new Model(JSON.parse(JSON.stringify(o))).validate();
    } catch (e) {
      throw new Error(`${o.kind}/${o.metadata.name} is invalid: ${(e as Error).message}`);
    }
  }
}
