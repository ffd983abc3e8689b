import { describe, expect, it } from 'vitest';
import { expandPort, parsePort, parsePortEntry, portListIssues } from './ports.js';

describe('parsePort', () => {
  it('reads every Docker form', () => {
    expect(parsePort(8080)).toEqual({ containerPort: 8080, protocol: 'tcp', range: 1 });
    expect(parsePort('9090:90')).toEqual({ hostPort: 9090, containerPort: 90, protocol: 'tcp', range: 1 });
    expect(parsePort('127.0.0.1:8080:80/udp')).toEqual({
      hostIp: '127.0.0.1',
      hostPort: 8080,
      containerPort: 80,
      protocol: 'udp',
      range: 1,
    });
    expect(parsePort('[::1]:7070:70')).toEqual({
      hostIp: '::1',
      hostPort: 7070,
      containerPort: 70,
      protocol: 'tcp',
      range: 1,
    });
    expect(parsePort('8000-8002:9000-9002')).toEqual({
      hostPort: 8000,
      containerPort: 9000,
      protocol: 'tcp',
      range: 3,
    });
    expect(parsePort('53/udp')).toEqual({ containerPort: 53, protocol: 'udp', range: 1 });
    expect(parsePort('127.0.0.1::80')).toEqual({
      hostIp: '127.0.0.1',
      containerPort: 80,
      protocol: 'tcp',
      range: 1,
      randomHostPort: true,
    });
    expect(parsePortEntry(':80')).toMatch(/needs a host address/);
  });

  it('expands a range into one port each', () => {
    expect(expandPort(parsePort('127.0.0.1:8000-8001:9000-9001'))).toEqual([
      { hostIp: '127.0.0.1', hostPort: 8000, containerPort: 9000, protocol: 'tcp' },
      { hostIp: '127.0.0.1', hostPort: 8001, containerPort: 9001, protocol: 'tcp' },
    ]);
  });

  it('says what is wrong with a bad port', () => {
    expect(parsePortEntry('99999:0')).toBe('host port 99999 is outside 1-65535');
    expect(parsePortEntry('70000/udp')).toBe('container port 70000 is outside 1-65535');
    expect(parsePortEntry(0)).toBe('port 0 is outside 1-65535');
    expect(parsePortEntry('1-3:1-2')).toBe('host range 1-3 and container range 1-2 differ in length');
    expect(parsePortEntry('80;id')).toMatch(/^expected a port like/);
    expect(() => parsePort('--privileged')).toThrow(/invalid port/);
  });

  it('finds a port listed twice and a host port published twice', () => {
    expect(portListIssues([8080, '8080'])).toEqual([
      {
        index: 1,
        message: 'container port 8080/tcp is already listed (entry 0) with the same host port; list each mapping once',
      },
    ]);
    expect(portListIssues(['127.0.0.1::80', '127.0.0.1::80'])).toEqual([
      {
        index: 1,
        message: 'container port 80/tcp is already listed (entry 0) with the same host port; list each mapping once',
      },
    ]);
    expect(portListIssues(['8080:3000', '8080:3001'])).toEqual([
      { index: 1, message: 'host port 8080/tcp is already published (entry 0)' },
    ]);
    expect(portListIssues(['53/udp', 53])).toEqual([]);
    expect(portListIssues(['8080:80', '127.0.0.1:8080:81'])).toEqual([
      { index: 1, message: 'host port 8080/tcp is already published (entry 0)' },
    ]);
    expect(portListIssues(['127.0.0.1:8080:81', '8080:80'])).toEqual([
      { index: 1, message: 'host port 8080/tcp is already published (entry 0)' },
    ]);
    expect(portListIssues(['127.0.0.1:8080:81', '127.0.0.2:8080:80'])).toEqual([]);
  });

  it("lets two service ports reach one container port (the original's full-options example)", () => {
    expect(portListIssues([3000, '8080:3000'])).toEqual([]);
    expect(portListIssues(['127.0.0.1::3000', 3000, '9000-9001:3000-3001'])).toEqual([]);
  });
});
