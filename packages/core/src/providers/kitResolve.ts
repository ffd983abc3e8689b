// Module resolve hook: a provider or plugin file that imports `@pctl/provider-kit` but has
// no node_modules of its own (a single .mjs beside the stack file) gets pctl's own copy,
// so one file is enough to write a provider. An installed kit always wins.
type Resolve = (specifier: string, context: { parentURL?: string }) => Promise<unknown>;

const KIT = /^@pctl\/provider-kit(\/|$)/;

export async function resolve(
  specifier: string,
  context: { parentURL?: string },
  nextResolve: Resolve,
): Promise<unknown> {
  try {
    return await nextResolve(specifier, context);
  } catch (e) {
    if (!KIT.test(specifier) || (e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    return nextResolve(specifier, { ...context, parentURL: import.meta.url });
  }
}
