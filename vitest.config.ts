import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@pctl/provider-kit/conformance': src('./packages/provider-kit/src/conformance/index.ts'),
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
    include: ['packages/*/src/**/*.test.ts', 'providers/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['./test/helpers/globalSetup.ts'],
  },
});
