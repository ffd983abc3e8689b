// `pctl logs`, `exec` and `port-forward` on the local Docker engine.
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { docker, removeStack, requireDocker } from '../helpers/docker.js';
import { innerLoopScenarios, runIn, writeInnerLoopStack, type InnerLoopSetup } from '../helpers/innerLoop.js';
import { useStack } from '../helpers/stack.js';

const stack = useStack({ prefix: 'lg-local-' });
const setup: InnerLoopSetup = { stack: 'lg-local', dir: () => stack.dir, options: () => '{}', docker };

beforeAll(async () => {
  await requireDocker();
  writeInnerLoopStack(setup);
  const r = await runIn(setup, ['deploy']);
  expect(r.exitCode, r.stderr).toBe(0);
}, 180_000);
afterAll(async () => {
  await runIn(setup, ['destroy']);
  await removeStack(setup.stack);
}, 120_000);

describe('the inner loop on the local engine', () => innerLoopScenarios(setup));
