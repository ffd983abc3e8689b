// A real OCI registry for push tests: Debian's docker-registry on 127.0.0.1 with htpasswd
// auth for one user, deletes enabled, its data in a temp folder.
import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitPort } from './sshd.js';

export interface TestRegistry {
  log(): string;
  stop(): Promise<void>;
}

export async function startRegistry(root: string, port: number, user: string, password: string): Promise<TestRegistry> {
  mkdirSync(path.join(root, 'data'), { recursive: true });
  const htpasswd = await execa('htpasswd', ['-Bbn', user, password]);
  writeFileSync(path.join(root, 'htpasswd'), String(htpasswd.stdout));
  writeFileSync(
    path.join(root, 'config.yml'),
    `version: 0.1
log:
  level: warn
storage:
  delete:
    enabled: true
  filesystem:
    rootdirectory: ${root}/data
http:
  addr: 127.0.0.1:${port}
auth:
  htpasswd:
    realm: pctl-test
    path: ${root}/htpasswd
`,
  );
  let log = '';
  const proc = execa('/usr/bin/docker-registry', ['serve', path.join(root, 'config.yml')], {
    reject: false,
    stdio: ['ignore', 'pipe', 'pipe'],
    cleanup: true,
  });
  const keep = (d: Buffer) => (log = (log + d.toString()).slice(-8000));
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  await waitPort(port, proc, 'docker-registry', () => log);
  return {
    log: () => log,
    async stop() {
      proc.kill('SIGTERM');
      await proc;
    },
  };
}
