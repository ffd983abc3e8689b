// End-to-end tests run the built CLI: bring the build up to date first (incremental
// compile, then the CLI bundle bin/pctl.js runs), as `npm run build` does.
// A build error is printed, not thrown, so unit tests of other packages still run;
// the end-to-end tests then fail on their own.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  const r = spawnSync(process.execPath, [tsc, '-b'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(
      `[globalSetup] tsc -b failed; end-to-end tests will use a stale or missing build:\n${r.stdout}${r.stderr}\n`,
    );
    return;
  }
  const b = spawnSync(process.execPath, ['scripts/bundle.mjs'], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0)
    process.stderr.write(
      `[globalSetup] bundling the CLI failed; end-to-end tests will use a stale or missing bundle:\n${b.stdout}${b.stderr}\n`,
    );
}
