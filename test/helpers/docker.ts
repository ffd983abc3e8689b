// Queries of the real Docker engine, for end-to-end assertions.
import { execa } from 'execa';

export async function docker(args: string[]): Promise<string> {
  const r = await execa('docker', args, { reject: false });
  if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
  return String(r.stdout).trim();
}

// Fails loudly when no engine answers: Docker tests are never skipped.
export async function requireDocker(): Promise<void> {
  const r = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false });
  if (r.exitCode !== 0) {
    throw new Error(
      `no Docker engine answers (DOCKER_HOST=${process.env.DOCKER_HOST ?? 'default'}); run \`source scripts/ensure-docker.sh\` or \`npm test\`: ${r.stderr}`,
    );
  }
}

export async function labelled(kind: 'container' | 'volume' | 'network' | 'image', stack: string): Promise<string[]> {
  const filter = ['--filter', 'label=managed-by=pctl', '--filter', `label=pctl-stack=${stack}`];
  const args =
    kind === 'container'
      ? ['ps', '-a', ...filter, '--format', '{{.Names}}']
      : kind === 'image'
        ? ['images', ...filter, '--format', '{{.Repository}}:{{.Tag}}']
        : [kind, 'ls', ...filter, '--format', '{{.Name}}'];
  const out = await docker(args);
  return out ? out.split('\n').sort() : [];
}

export async function containerIds(stack: string): Promise<Record<string, string>> {
  const out = await docker(['ps', '-a', '--filter', `label=pctl-stack=${stack}`, '--format', '{{.Names}} {{.ID}}']);
  return Object.fromEntries(out ? out.split('\n').map((l) => l.split(' ') as [string, string]) : []);
}

export async function removeStack(stack: string): Promise<void> {
  for (const c of await labelled('container', stack)) await execa('docker', ['rm', '-f', c], { reject: false });
  for (const v of await labelled('volume', stack)) await execa('docker', ['volume', 'rm', '-f', v], { reject: false });
  for (const n of await labelled('network', stack)) await execa('docker', ['network', 'rm', n], { reject: false });
  for (const i of await labelled('image', stack)) await execa('docker', ['rmi', '-f', i], { reject: false });
}
