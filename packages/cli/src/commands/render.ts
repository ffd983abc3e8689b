// `pctl render`: the Kubernetes objects deploy would apply, as YAML, touching no cluster.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadCore, type Invocation } from '../invocation.js';

// Adds `render` to the program.
export function registerRender(program: Command, inv: Invocation): void {
  program
    .command('render')
    .description('print, as YAML, the Kubernetes objects deploy would apply (touches no cluster)')
    .argument('[services...]', 'only these services')
    .action(async (services: string[], _o, cmd: Command) => {
      const core = await loadCore();
      const so = await inv.sessionOptions(cmd);
      // Masked as a whole before printing, whatever a provider put in its objects.
      const rendered = inv.maskDeep(await core.runRender({ ...so, only: services }));
      inv.sink.result({ rendered }, () => {
        const docs = rendered.flatMap((r) =>
          r.objects.map((o) => `# ${r.key} (${r.provider})\n${stringify(o, { lineWidth: 0 })}`),
        );
        return docs.length
          ? `---\n${docs.join('---\n')}`
          : { stdout: '', stderr: 'no service of this stack deploys to Kubernetes' };
      });
    });
}
