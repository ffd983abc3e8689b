#!/usr/bin/env node
// Thin launcher: the CLI bundled from dist/ lives in bundle/ (`npm run build` makes both).
// A signal that arrives while the CLI loads stops pctl with the shell's code for it
// (130 for SIGINT, 143 for SIGTERM) instead of killing it with no exit code at all.
const early = (sig) => {
  process.stderr.write(`\n${sig}: interrupted while starting, nothing was done\n`);
  process.exit(sig === 'SIGINT' ? 130 : 143);
};
process.on('SIGINT', early);
process.on('SIGTERM', early);
let loaded;
try {
  loaded = await import('../bundle/main.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('bundle/main.js')) throw e;
  process.stderr.write(
    'error: pctl is not built (packages/cli/bundle/main.js is missing): run `npm run build` in the pctl checkout\n',
  );
  process.exit(2);
}
const { main, flushOutput } = loaded;
// main() installs its own handlers first thing, in the same tick.
process.off('SIGINT', early);
process.off('SIGTERM', early);
const code = await main(process.argv.slice(2));
// Exit now (a provider's leftover timer or socket must not keep a finished run alive), once
// what was written has left: exiting first cuts a large document at the pipe's 64 KiB.
await flushOutput();
process.exit(code);
