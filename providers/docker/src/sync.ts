// Live sync: each batch goes in as one tar stream (`tar -c | docker exec -i <c> tar -x`),
// removals with one `rm -f`, into every running container of the service.
import { dockerError, execPipe, PctlError, type ProviderContext, type SyncBatch } from '@pctl/core';
import { stackFilters } from './containers.js';
import { options } from './options.js';
import { docker, dockerCli } from './transport.js';

// Copies the batches into the service's running containers; returns their names.
export async function sync({ ctx, key, batches }: { ctx: ProviderContext; key: string; batches: SyncBatch[] }): Promise<{ containers: string[] }> {
  const svc = ctx.config.services[key.slice(ctx.stack.length + 1)];
  const o = options(svc?.provider.options);
  if (o.host) throw new PctlError({ code: 'SyncUnsupported', message: `${key}: sync to a remote Docker host is not supported yet`, fault: 'user', hint: 'deploy the change with pctl deploy' });
  const cli = dockerCli(ctx, o);
  const filters = stackFilters(ctx.stack, key).flatMap((l) => ['--filter', `label=${l}`]);
  const containers = (await docker(cli, 'listing containers', ['ps', ...filters, '--filter', 'status=running', '--format', '{{.Names}}'])).split('\n').filter(Boolean).sort();
  if (!containers.length) throw new PctlError({ code: 'NotRunning', message: `${key}: no running container to sync into`, fault: 'environment', exitCode: 1, hint: 'run pctl deploy first' });
  for (const c of containers) {
    for (const b of batches) {
      if (b.deleted.length) await docker(cli, `removing files in ${c}`, ['exec', c, 'rm', '-f', '--', ...b.deleted]);
      if (!b.files.length) continue;
      await docker(cli, `preparing ${b.dest} in ${c}`, ['exec', c, 'mkdir', '-p', '--', b.dest]);
      try {
        await execPipe({ file: 'tar', args: ['-c', '-C', b.sourceDir, '--', ...b.files] }, { file: 'docker', args: ['exec', '-i', c, 'tar', '-x', '-C', b.dest] }, { signal: ctx.signal, onCommand: ctx.verbose ? (cmd) => ctx.reporter.debug(`$ ${cmd}`) : undefined });
      } catch (e) {
        throw dockerError(e, `${key}: copying into ${c}:${b.dest}`);
      }
    }
  }
  return { containers };
}
