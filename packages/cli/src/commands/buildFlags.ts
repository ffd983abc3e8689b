// The build flags `pctl deploy` and `pctl build` share.
import type { Command } from 'commander';

export function withBuildFlags(cmd: Command): Command {
  return cmd
    .option('-b, --force-build', 'rebuild images even when their inputs did not change')
    .option('--build-sequential', 'build images one at a time')
    .option('--build-concurrency <n>', 'images built at once (default: number of cores)')
    .option('--skip-push', 'do not push images to registries');
}
