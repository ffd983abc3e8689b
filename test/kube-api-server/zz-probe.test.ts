import { execFile } from 'node:child_process';
import { it } from 'vitest';
import { startKubeApiServer } from './index.js';
it('probe', async () => {
  const server = await startKubeApiServer({ contextName: 'kind-pctl' });
  const env = { ...process.env, KUBECACHEDIR: '/tmp/kubeapi-probe/cache2' };
  const run = (args: string[]) => new Promise<string>((resolve) => execFile('kubectl', ['--kubeconfig', server.kubeconfigPath, ...args], { encoding: 'utf8', timeout: 30000, env }, (e, out, err) => resolve(`$ ${args.join(' ')}\n${out}${err}`)));
  const cmds = (process.env.PROBE ?? 'create namespace x').split(';').map((c) => c.trim().split(' '));
  let all = '';
  for (const c of cmds) all += await run([...(process.env.V ? ['-v=' + process.env.V] : []), ...c]);
  (await import('node:fs')).writeFileSync('/tmp/kubeapi-probe/out.txt', all);
  await server.close();
});
