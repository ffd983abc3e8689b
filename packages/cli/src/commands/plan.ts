// `pctl plan` and `pctl render`: what deploy would do and apply, touching nothing.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadCore, type Invocation } from '../invocation.js';
import { planTable } from '../render.js';
import { runResultJson } from './runResultJson.js';

// Adds `plan` and `render` to the program.
export function registerPlan(program: Command, inv: Invocation): void {
  program
    .command('plan')
    .description('show what deploy would create, update, skip and remove, without doing it')
    .argument('[services...]', 'only these services')
    .action(async (services: string[], _o, cmd: Command) => {
      const core = await loadCore();
      const result = await core.runPlan({ ...(await inv.sessionOptions(cmd)), only: services });
      Object.assign(inv.doc, runResultJson(result));
      if (!inv.json) inv.stdout(planTable(result) + '\n');
    });

  program
    .command('render')
    .description('print, as YAML, the Kubernetes objects deploy would apply (touches no cluster)')
    .argument('[services...]', 'only these services')
    .action(async (services: string[], _o, cmd: Command) => {
      const core = await loadCore();
      const so = await inv.sessionOptions(cmd);
      // Masked as a whole before printing, whatever a provider put in its objects.
      const rendered = inv.maskDeep(await core.runRender({ ...so, only: services }));
      inv.doc.rendered = rendered;
      if (inv.json) return;
      const docs = rendered.flatMap((r) => r.objects.map((o) => `# ${r.key} (${r.provider})\n${stringify(o, { lineWidth: 0 })}`));
      inv.stdout(docs.length ? `---\n${docs.join('---\n')}` : '');
      if (!docs.length) process.stderr.write('no service of this stack deploys to Kubernetes\n');
    });
}
