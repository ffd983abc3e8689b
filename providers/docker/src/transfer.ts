// Getting a locally built image onto a remote Docker host: through the registry when the
// service has one (the remote pulls it), else streamed `docker save | ssh docker load`.
import { dockerError, execPipe, registryLogin, type Exec, type ProviderContext, type RegistryConfig } from '@pctl/core';
import type { DockerOptions } from './options.js';
import { shellQuote, sshArgs } from './transport.js';

export async function transferImage(p: { ctx: ProviderContext; ref: string; opts: DockerOptions; remote: Exec; registry: RegistryConfig | undefined }): Promise<'present' | 'registry' | 'streamed'> {
  const has = await p.remote('docker', ['image', 'inspect', '--format', '{{.Id}}', '--', p.ref], { reject: false });
  if (has.exitCode === 0) return 'present';
  if (p.registry) {
    // The host pulls with the service's credentials too (password on ssh's stdin only).
    const r = p.registry;
    if (typeof r === 'object' && r.username && r.password) await registryLogin({ url: r.url, username: r.username, password: r.password, exec: p.remote });
    try {
      await p.remote('docker', ['pull', '--', p.ref]);
      return 'registry';
    } catch (e) {
      throw dockerError(e, `pulling ${p.ref} on ${p.opts.host}`);
    }
  }
  p.ctx.reporter.info(`sending ${p.ref} to ${p.opts.host} (docker save | docker load)`, undefined, 'ImageTransfer');
  const load = [...(p.opts.sudo ? ['sudo', '-n'] : []), 'docker', 'load'].map(shellQuote);
  try {
    await execPipe({ file: 'docker', args: ['save', '--', p.ref] }, { file: 'ssh', args: [...sshArgs(p.opts), ...load] }, { onCommand: p.ctx.verbose ? (c) => p.ctx.reporter.debug(`$ ${c}`) : undefined });
  } catch (e) {
    throw dockerError(e, `sending ${p.ref} to ${p.opts.host}`);
  }
  return 'streamed';
}
