// One stack never touches another's resources, on the real engine: stack `isol` with
// service `x-y` and stack `isol-x` with service `y` share the key `isol-x-y`. Every
// look-up goes by the stack's label too, and in one folder the second is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctl } from '../helpers/cli.js';
import { containerIds, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const stack = useStack();
const yamlA =
  'name: isol\nservices:\n  x-y:\n    image: busybox:latest\n    command: sleep 3600\n    provider: { name: docker }\n';
const yamlB =
  'name: isol-x\nservices:\n  y:\n    image: busybox:latest\n    command: sleep 3601\n    provider: { name: docker }\n';

beforeAll(async () => {
  await requireDocker();
  stack.write({ 'a/pctl.yaml': yamlA, 'b/pctl.yaml': yamlB, 'a/other.yaml': yamlB });
});
afterAll(async () => {
  await removeStack('isol');
  await removeStack('isol-x');
});

describe('stacks sharing a key', () => {
  it("never remove or report each other's containers", async () => {
    const a = stack.path('a');
    const b = stack.path('b');
    expect((await pctl(['deploy'], { cwd: a })).exitCode).toBe(0);
    const before = await containerIds('isol');
    expect(Object.keys(before)).toEqual(['isol-x-y']);

    // Stack isol-x in another folder wants the same container name: its deploy must not
    // take stack isol's container away (it used to, finding it by pctl-service alone).
    const deployB = await pctl(['deploy'], { cwd: b });
    expect(deployB.exitCode).toBe(1);
    expect(deployB.stderr).toMatch(/isol-x-y/);
    expect(await containerIds('isol')).toEqual(before);

    const statusB = await pctl(['status', '--json'], { cwd: b });
    expect(JSON.parse(statusB.stdout).status.find((r: { key: string }) => r.key === 'isol-x-y').live.state).toBe(
      'missing',
    );

    const destroyB = await pctl(['destroy'], { cwd: b });
    expect(destroyB.exitCode).toBe(0);
    expect(await containerIds('isol')).toEqual(before);
    expect(Object.keys(await containerIds('isol-x'))).toEqual([]);

    // In one folder the second stack file is refused before anything runs, naming both.
    const refused = await pctl(['deploy', '-c', 'other.yaml'], { cwd: a });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(
      /stack isol-x service y has the key isol-x-y, which stack isol \(pctl\.isol\.json\) uses for its service x-y/,
    );
    expect(await containerIds('isol')).toEqual(before);

    expect((await pctl(['destroy'], { cwd: a })).exitCode).toBe(0);
    expect(await containerIds('isol')).toEqual({});
  });
});
