import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests beside the code that need a Docker engine or the built packages: they run with the end-to-end tests.
const needsEngineOrBuild = [
  'packages/core/src/image/buildImage.test.ts',
  'packages/core/src/image/buildArgs.test.ts',
  'packages/core/src/image/copiedInputs.test.ts',
  'packages/core/src/image/dockerignore.test.ts',
  'packages/core/src/image/engineImages.test.ts',
  'packages/core/src/dockerApi/connect.test.ts',
  'packages/core/src/state/lock.race.test.ts',
];

export default defineConfig({
  resolve: {
    alias: {
      '@pctl/provider-kit/conformance': src('./packages/provider-kit/src/conformance/index.ts'),
      '@pctl/provider-kit/reporter': src('./packages/provider-kit/src/progress.ts'),
      '@pctl/provider-kit': src('./packages/provider-kit/src/index.ts'),
      '@pctl/core': src('./packages/core/src/index.ts'),
      '@pctl/kube': src('./packages/kube/src/index.ts'),
      '@pctl/provider-docker': src('./providers/docker/src/index.ts'),
      '@pctl/provider-kind': src('./providers/kind/src/index.ts'),
      '@pctl/provider-gcp': src('./providers/gcp/src/index.ts'),
      '@pctl/provider-aws': src('./providers/aws/src/index.ts'),
    },
  },
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        // No Docker engine, no built CLI: `npm run test:unit`.
        extends: true,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: [
            'packages/*/src/**/*.test.ts',
            'providers/*/src/**/*.test.ts',
            'scripts/**/*.test.ts',
            'test/helpers/**/*.test.ts',
          ],
          exclude: ['**/node_modules/**', ...needsEngineOrBuild],
        },
      },
      {
        // The built CLI, a real Docker engine, the test fakes: `npm run test:e2e`.
        extends: true,
        test: {
          name: 'e2e',
          // The end-to-end files wait mostly on the engine, the registry and child processes, not
          // on this machine's cores: three at a time on two cores (vitest's default is cores - 1).
          // Each file names its own stacks, ports and objects, so they do not interfere.
          sequence: { groupOrder: 1 },
          maxWorkers: Number(process.env.PCTL_E2E_WORKERS) || 3,
          include: ['test/**/*.test.ts', ...needsEngineOrBuild],
          exclude: ['**/node_modules/**', 'test/helpers/**'],
          globalSetup: ['./test/helpers/globalSetup.ts'],
        },
      },
    ],
  },
});
