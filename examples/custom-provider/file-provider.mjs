// A complete custom provider (apiVersion 1): each service becomes a JSON file in
// `options.dir`. Deploy writes it, destroy removes it, status reads it back.
import { promises as fs } from 'node:fs';
import path from 'node:path';

const fileFor = (ctx, options, key) => path.resolve(ctx.configDir, options.dir ?? 'out', `${key}.json`);

export default {
  apiVersion: 1,
  name: 'file',

  validateOptions(options) {
    const errors = [];
    if (options.dir !== undefined && typeof options.dir !== 'string') errors.push({ path: ['dir'], message: 'must be a string' });
    return errors;
  },

  async deploy({ ctx, target, previous }) {
    const file = fileFor(ctx, target.service.provider.options, target.key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const body = { labels: target.labels, image: target.image.ref, env: target.service.env ?? {} };
    await fs.writeFile(file, JSON.stringify(body, null, 2));
    // Options moved the service: what the last deploy made elsewhere goes.
    if (previous?.file && previous.file !== file) await fs.rm(previous.file, { force: true });
    ctx.reporter.info(`wrote ${path.relative(ctx.cwd, file)}`, target.key);
    return { provider: 'file', image: target.image.ref, labels: target.labels, fingerprint: target.fingerprint, file };
  },

  async destroy({ entry }) {
    await fs.rm(entry.file, { force: true });
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
};
