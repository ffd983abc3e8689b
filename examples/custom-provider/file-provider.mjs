// A complete custom provider (apiVersion 1): each service becomes a JSON file in
// `options.dir`. Deploy writes it, destroy removes it, status reads it back, discover
// finds every file labelled with the stack. It passes the conformance kit of
// @pctl/provider-kit (test/e2e/conformance.test.ts).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { defineProvider, PctlError, STACK_LABEL, SERVICE_LABEL } from '@pctl/provider-kit';

const dirOf = (ctx, options) => path.resolve(ctx.configDir, options.dir ?? 'out');
const fileFor = (ctx, options, key) => path.join(dirOf(ctx, options), `${key}.json`);

export default defineProvider({
  apiVersion: 1,
  name: 'file',

  validateOptions(options) {
    const errors = [];
    for (const k of Object.keys(options))
      if (k !== 'dir') errors.push({ path: [k], message: `unknown option (file takes: dir)` });
    if (options.dir !== undefined && typeof options.dir !== 'string')
      errors.push({ path: ['dir'], message: 'must be a string' });
    return errors;
  },

  async deploy({ ctx, target, previous }) {
    const file = fileFor(ctx, target.service.provider.options, target.key);
    // Env values may hold secrets (ctx.secrets): those are written masked, never in clear.
    const env = Object.fromEntries(
      Object.entries(target.service.env ?? {}).map(([k, v]) => [k, ctx.secrets.some((s) => v.includes(s)) ? '***' : v]),
    );
    const body = { labels: target.labels, image: target.image.ref, env };
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(`${file}.tmp`, JSON.stringify(body, null, 2));
      await fs.rename(`${file}.tmp`, file);
    } catch (e) {
      throw new PctlError({
        code: 'DeployFailed',
        message: `${target.key}: cannot write ${file}: ${e.code ?? e.message}`,
        fault: 'environment',
        hint: 'check options.dir: it must be a folder pctl can write',
      });
    }
    // Options moved the service: what the last deploy made elsewhere goes.
    if (previous?.file && previous.file !== file) await fs.rm(previous.file, { force: true });
    ctx.reporter.info(`wrote ${path.relative(ctx.cwd, file)}`, target.key);
    return { provider: 'file', image: target.image.ref, labels: target.labels, fingerprint: target.fingerprint, file };
  },

  async destroy({ entry }) {
    if (entry.file) await fs.rm(entry.file, { force: true });
  },

  async status({ entry }) {
    if (!entry?.file) return { state: 'missing' };
    try {
      await fs.access(entry.file);
      return { state: 'running', detail: entry.file };
    } catch {
      return { state: 'missing' };
    }
  },

  async discover({ ctx }) {
    const dirs = new Set(
      Object.values(ctx.config.services)
        .filter((s) => s.provider.name === 'file')
        .map((s) => dirOf(ctx, s.provider.options)),
    );
    const found = [];
    for (const dir of dirs) {
      const names = await fs.readdir(dir).catch(() => []);
      for (const name of names.filter((n) => n.endsWith('.json'))) {
        const body = JSON.parse(await fs.readFile(path.join(dir, name), 'utf8').catch(() => '{}'));
        if (body.labels?.[STACK_LABEL] === ctx.stack)
          found.push({ key: body.labels[SERVICE_LABEL], kind: 'file', name: path.join(dir, name) });
      }
    }
    return found;
  },
});
