// Config plugins (`plugin:`): modules whose default (or only) function export gets the
// validated config and may change it. A plugin may declare the service fields it reads or
// adds (`export const fields = ['x']`): the schema accepts them before and after it runs.
import { isPctlError, PctlError } from '../errors.js';
import { describeThrown, runStep, thrownValue } from '../step.js';
import { importStackModule } from './modules.js';
import type { StackConfig } from './schema.js';

export interface LoadedPlugin {
  /** As written in the stack file. */
  spec: string;
  index: number;
  run: (config: StackConfig) => unknown;
  /** Service fields the plugin declares. */
  fields: string[];
}

/** Loads the plugins listed in the stack file; a module that cannot load is an issue at `plugin.<i>`. */
export async function loadPlugins(
  specs: unknown,
  configPath: string,
): Promise<{ plugins: LoadedPlugin[]; issues: { path: (string | number)[]; message: string }[] }> {
  const plugins: LoadedPlugin[] = [];
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (!Array.isArray(specs)) return { plugins, issues };
  for (const [index, spec] of specs.entries()) {
    if (typeof spec !== 'string') continue;
    let m: Record<string, unknown>;
    try {
      m = await importStackModule(spec, configPath, `plugin ${spec}`);
    } catch (e) {
      if (isPctlError(e) && e.code === 'StepTimeout') throw e;
      issues.push({
        path: ['plugin', index],
        message: `cannot load plugin ${spec}: ${describeThrown(thrownValue(e))}`,
      });
      continue;
    }
    const fn = typeof m.default === 'function' ? m.default : Object.values(m).find((v) => typeof v === 'function');
    if (typeof fn !== 'function') {
      issues.push({ path: ['plugin', index], message: `plugin ${spec} exports no function` });
      continue;
    }
    const fields = m.fields ?? (m.default as { fields?: unknown } | undefined)?.fields ?? [];
    if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string' && /^[A-Za-z_][\w-]*$/.test(f))) {
      issues.push({
        path: ['plugin', index],
        message: `plugin ${spec}: \`fields\` must be a list of service field names, like export const fields = ['team']`,
      });
      continue;
    }
    plugins.push({ spec, index, run: fn as (config: StackConfig) => unknown, fields: fields as string[] });
  }
  return { plugins, issues };
}

/** Runs one plugin; anything it throws, now or from a callback it left behind, is one line naming it. */
export async function runPlugin(plugin: LoadedPlugin, config: StackConfig): Promise<void> {
  const failed = (e: unknown) =>
    new PctlError({
      code: 'PluginFailed',
      message: `plugin ${plugin.spec} failed: ${describeThrown(thrownValue(e))}`,
      fault: 'user',
      exitCode: 2,
    });
  let stray: unknown;
  let strayed = false;
  const catchStray = (e: unknown) => {
    if (!strayed) [stray, strayed] = [e, true];
  };
  process.on('uncaughtException', catchStray);
  process.on('unhandledRejection', catchStray);
  try {
    await runStep({ module: `plugin ${plugin.spec}`, step: 'its function' }, () => plugin.run(config));
    // Let a timer or a promise the plugin left behind fail now, while we know whose it is.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 0));
  } catch (e) {
    throw isPctlError(e) && e.code === 'StepTimeout' ? e : failed(e);
  } finally {
    process.off('uncaughtException', catchStray);
    process.off('unhandledRejection', catchStray);
  }
  if (strayed) throw failed(stray);
}
