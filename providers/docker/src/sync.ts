// Live sync through the Engine API: each batch goes in as one tar stream (PUT
// /containers/{id}/archive, packed here from the listed files), removals with one
// `rm -f --` run in the container (POST /containers/{id}/exec), into every running
// container of the service. A remote host is reached as deploy reaches it: the API through
// the one ssh connection's socket forward, so a sync round costs no ssh handshake.
import { PctlError, serviceOfKey, type ProviderContext, type SyncBatch } from '@pctl/core';
import { bodyOnly, connect, pathPart, type Api } from './api.js';
import { listByLabel, stackFilters } from './containers.js';
import { demuxLogs } from './failure.js';
import { options } from './options.js';

// Copies the batches into the service's running containers; returns their names.
export async function sync({
  ctx,
  key,
  batches,
}: {
  ctx: ProviderContext;
  key: string;
  batches: SyncBatch[];
}): Promise<{ containers: string[] }> {
  const svc = ctx.config.services[serviceOfKey(ctx.stack, key) ?? ''];
  const o = options(svc?.provider.options);
  const api = await connect(ctx, o);
  const containers = (await listByLabel(api, 'container', stackFilters(ctx.stack, key), true)).map((c) => c.name);
  if (!containers.length)
    throw new PctlError({
      code: 'NotRunning',
      message: `${key}: no running container to sync into`,
      fault: 'environment',
      exitCode: 1,
      hint: 'run pctl deploy first',
    });
  const { pack } = await import('tar-fs');
  for (const c of containers) {
    for (const b of batches) {
      if (b.deleted.length) await runIn(api, c, ['rm', '-f', '--', ...b.deleted], `removing files in ${c}`);
      if (!b.files.length) continue;
      await runIn(api, c, ['mkdir', '-p', '--', b.dest], `preparing ${b.dest} in ${c}`);
      const what = `${key}: copying into ${c}:${b.dest}`;
      await api.call(`PUT /containers/${pathPart(c)}/archive?path=${encodeURIComponent(b.dest)}`, what, (d) =>
        d
          .getContainer(pathPart(c))
          .putArchive(pack(b.sourceDir, { entries: b.files }) as unknown as NodeJS.ReadableStream, { path: b.dest }),
      );
    }
  }
  return { containers };
}

// Runs a command (an argument array, as exec takes it) in a container; fails on a non-zero exit.
async function runIn(api: Api, container: string, cmd: string[], what: string): Promise<void> {
  const c = api.docker.getContainer(pathPart(container));
  const exec = await api.call(`POST /containers/${pathPart(container)}/exec (${cmd[0]})`, what, () =>
    c.exec(bodyOnly({ Cmd: cmd, AttachStdout: true, AttachStderr: true })),
  );
  const output = await api.call(`POST /exec/${exec.id}/start`, what, async () => {
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    stream.on('data', (b: Buffer) => chunks.push(b));
    await new Promise<void>((res, rej) => {
      stream.on('end', res);
      stream.on('close', res);
      stream.on('error', rej);
    });
    return Buffer.concat(chunks);
  });
  const { ExitCode } = await api.call(`GET /exec/${exec.id}/json`, what, () => exec.inspect());
  if (ExitCode !== 0) {
    const text = demuxLogs(output).trim();
    throw new PctlError({
      code: 'CommandFailed',
      message: `${what} failed: ${text.split('\n').at(-1) || `exit code ${ExitCode}`}`,
      fault: 'environment',
      detail: text,
    });
  }
}
