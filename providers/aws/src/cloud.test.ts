import { describe, expect, it } from 'vitest';
import { whereOf } from './cloud.js';
import { parseOptions } from './options.js';

describe('the cluster of a state entry', () => {
  it("is the stack file's when the service is still there, else what the entry recorded", () => {
    const o = parseOptions({ cluster: 'prod', namespace: 'shop', region: 'eu-west-1' });
    expect(whereOf({ aws: { eksCluster: 'old', region: 'us-east-1' } }, o)).toBe(o);
    expect(whereOf({ aws: { eksCluster: 'old', region: 'us-east-1' } }, undefined)).toEqual({
      cluster: 'old',
      region: 'us-east-1',
      context: undefined,
    });
  });

  it("reads the original pctl's entries: the cluster by name (region from the environment) or as an ARN", () => {
    expect(whereOf({ cluster: 'prod', namespace: 'shop' }, undefined)).toEqual({ cluster: 'prod' });
    expect(whereOf({ cluster: 'arn:aws:eks:eu-central-1:123456789012:cluster/prod' }, undefined)).toEqual({
      cluster: 'prod',
      region: 'eu-central-1',
    });
    expect(() => whereOf({}, undefined)).toThrow(/does not say which EKS cluster/);
  });
});
