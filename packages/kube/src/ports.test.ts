import { describe, expect, it } from 'vitest';
import { isPctlError } from '@pctl/core';
import { containerPorts, servicePorts } from './ports.js';

describe('servicePorts', () => {
  it("gives two Service ports to one container port (the original's full-options example)", () => {
    const ports = servicePorts([3000, '8080:3000']);
    expect(ports).toEqual([
      { name: 'p-3000', port: 3000, targetPort: 3000, protocol: 'TCP' },
      { name: 'p-8080', port: 8080, targetPort: 3000, protocol: 'TCP' },
    ]);
    expect(containerPorts(ports)).toEqual([{ containerPort: 3000, protocol: 'TCP' }]);
  });

  it('keeps one Service port for one host port bound on two addresses', () => {
    expect(servicePorts(['127.0.0.1:8080:80', '127.0.0.2:8080:80'])).toEqual([
      { name: 'p-8080', port: 8080, targetPort: 80, protocol: 'TCP' },
    ]);
  });

  it('refuses one Service port towards two container ports', () => {
    let thrown: unknown;
    try {
      servicePorts(['127.0.0.1:8080:80', '127.0.0.2:8080:81']);
    } catch (e) {
      thrown = e;
    }
    expect(isPctlError(thrown) && thrown.message).toBe(
      'ports "127.0.0.1:8080:80" and "127.0.0.2:8080:81" both expose 8080/tcp',
    );
  });
});
