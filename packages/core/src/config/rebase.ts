// Relative paths of a service written in an included stack file start from that file's
// folder. The rest of pctl reads them against the top stack file's folder, so they are
// rewritten once, after validation: `./api` in `svc/pctl.yaml` becomes `./svc/api`.
import { statSync } from 'node:fs';
import path from 'node:path';
import type { StackConfig } from './schema.js';

const isFile = (p: string) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

type DirOf = (p: readonly (string | number)[]) => string;

// `abs` relative to `dir`, starting with ./ or ../ (an image path must, to be built).
function relativeTo(dir: string, abs: string): string {
  const r = path.relative(dir, abs).split(path.sep).join('/');
  if (r === '') return '.';
  return r === '..' || r.startsWith('../') ? r : `./${r}`;
}

/** Rewrites image paths, build contexts and manifests written in another folder against `topDir` (volumes are made absolute in validation). */
export function rebasePaths(config: StackConfig, dirOf: DirOf, topDir: string): void {
  for (const [name, svc] of Object.entries(config.services)) {
    const dir = (...p: (string | number)[]) => dirOf(['services', name, ...p]);
    if (svc.build) {
      // No context: the folder of the file that writes `build:`.
      const from = svc.build.context !== undefined ? dir('build', 'context') : dir('build');
      if (from !== topDir) svc.build.context = relativeTo(topDir, path.resolve(from, svc.build.context ?? '.'));
    }
    if (svc.image && (svc.image.startsWith('./') || svc.image.startsWith('../')) && dir('image') !== topDir) {
      const abs = path.resolve(dir('image'), svc.image);
      // `./Dockerfile.x` builds with its stack file's folder as the context: that folder, not the top one.
      if (!svc.build && isFile(abs)) {
        svc.build = { context: relativeTo(topDir, dir('image')), dockerfile: path.relative(dir('image'), abs) };
        delete svc.image;
      } else svc.image = relativeTo(topDir, abs);
    }
    if (svc.manifests)
      svc.manifests = svc.manifests.map((m, i) =>
        dir('manifests', i) === topDir ? m : relativeTo(topDir, path.resolve(dir('manifests', i), m)),
      );
  }
}
