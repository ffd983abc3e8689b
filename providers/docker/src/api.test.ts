import { describe, expect, it } from 'vitest';
import { pathPart, sshTarget } from './api.js';

describe('engine routes', () => {
  it('keep a name one part of the route: nothing in it starts a query or climbs to another route', () => {
    expect(pathPart('localhost:5000/team/app:1.2')).toBe('localhost:5000/team/app:1.2');
    expect(pathPart('-Xhostile')).toBe('-Xhostile');
    expect(pathPart('a?force=1#x %')).toBe('a%3Fforce%3D1%23x%20%25'.replace('%3D', '='));
    for (const bad of ['', '..', 'a/../../containers/x', './x', 'a//b'])
      expect(() => pathPart(bad)).toThrow(/cannot name a Docker object/);
  });

  it('reach a remote host with the options given, the key file under ~ expanded', () => {
    expect(sshTarget({})).toBeUndefined();
    expect(sshTarget({ host: 'h.example', user: 'deploy', port: 2222, sudo: true })).toEqual({
      host: 'h.example',
      user: 'deploy',
      port: 2222,
      key: undefined,
      sudo: true,
    });
    expect(sshTarget({ host: 'h', key: '~/.ssh/k' })!.key).not.toMatch(/^~/);
  });
});
