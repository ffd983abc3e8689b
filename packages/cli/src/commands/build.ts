// `pctl build`: build images without deploying; `--list` and `--explain` debug caching.
import type { Command } from 'commander';
import { loadCore, type Invocation } from '../invocation.js';
import { withBuildFlags } from './buildFlags.js';

// Adds `build` (with --list and --explain) to the program.
export function registerBuild(program: Command, inv: Invocation): void {
  withBuildFlags(
    program
      .command('build')
      .description('build images (only those whose inputs changed) without deploying')
      .argument('[services...]', 'only these services')
      .option('--list <service>', "print every file of the service's build context after .dockerignore")
      .option('--explain <service>', "say why the service's image will or will not build"),
  ).action(async (services: string[], o: { list?: string; explain?: string }, cmd: Command) => {
    const core = await loadCore();
    const so = await inv.sessionOptions(cmd);
    if (o.list) {
      const files = await core.runBuildList({ ...so, service: o.list });
      inv.sink.result({ service: o.list, files }, () => files.map((f) => f + '\n').join(''));
      return;
    }
    if (o.explain) {
      const r = await core.runBuildExplain({ ...so, service: o.explain });
      inv.sink.result(
        { explain: { service: o.explain, ...r } },
        () =>
          `${o.explain}: ${r.willBuild ? 'will build' : 'will not build'}: ${r.reason}\n  inputs: ${r.inputs}\n  context sent: ${r.context}\n`,
      );
      return;
    }
    const r = await core.runBuild({ ...so, only: services });
    inv.sink.result({ images: r.images }, () =>
      r.images.map((i) => `${i.service.padEnd(20)} ${i.ref}  ${i.built ? 'built' : 'unchanged'}\n`).join(''),
    );
  });
}
