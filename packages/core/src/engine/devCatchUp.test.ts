import { describe, expect, it } from 'vitest';
import type { BuildRecord } from '../image/index.js';
import type { WatchedService } from './devBaseline.js';
import { sinceDeploy } from './devCatchUp.js';

const record = (inputs: Record<string, string>, dockerfileHash = 'd1'): BuildRecord => ({
  hash: JSON.stringify([inputs, dockerfileHash]),
  dockerfileHash,
  inputs,
});
const service = (pairs: WatchedService['pairs']) =>
  ({ name: 'web', target: { build: { contextDir: '/ctx' } }, pairs }) as unknown as WatchedService;
const web = service([{ source: 'site', dest: '/site/', file: false }]);

describe('sinceDeploy', () => {
  it('is every file changed or removed since the deploy, not only the last change', () => {
    const deployed = record({ 'site/a.txt': '1', 'site/b.txt': '1', 'site/c.txt': '1' });
    // Two syncs since: a.txt changed, then b.txt removed; c.txt as deployed.
    const now = record({ 'site/a.txt': '2', 'site/c.txt': '1', 'site/d.txt': '1' });
    expect(sinceDeploy(web, deployed, now)).toEqual([
      { sourceDir: '/ctx/site', dest: '/site/', files: ['a.txt', 'd.txt'], deleted: ['/site/b.txt'] },
    ]);
  });

  it('is nothing when the files are what was deployed, the service cannot sync, or it needs a deploy', () => {
    const deployed = record({ 'site/a.txt': '1' });
    expect(sinceDeploy(web, deployed, deployed)).toBeUndefined();
    expect(sinceDeploy(service(undefined), deployed, record({ 'site/a.txt': '2' }))).toBeUndefined();
    expect(sinceDeploy(web, deployed, record({ 'site/a.txt': '1' }, 'd2'))).toBeUndefined();
    expect(sinceDeploy(web, undefined, deployed)).toBeUndefined();
  });
});
