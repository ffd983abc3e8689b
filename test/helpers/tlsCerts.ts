// A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl in a
// folder of the test: ca.pem, cert.pem and key.pem there are the client's files as the docker
// CLI reads them from DOCKER_CERT_PATH; server-cert.pem / server-key.pem are the server's.
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export async function makeCerts(
  dir: string,
): Promise<{ dir: string; ca: string; serverCert: string; serverKey: string }> {
  const f = (n: string) => path.join(dir, n);
  const ssl = (args: string[]) => execa('openssl', args, { cwd: dir });
  await ssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    f('ca-key.pem'),
    '-out',
    f('ca.pem'),
    '-subj',
    '/CN=pctl test CA',
    '-days',
    '2',
  ]);
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn, ext] of [
    ['server', '127.0.0.1', 'server.ext'],
    ['client', 'pctl test client', 'client.ext'],
  ] as const) {
    const key = name === 'server' ? 'server-key.pem' : 'key.pem';
    const cert = name === 'server' ? 'server-cert.pem' : 'cert.pem';
    await ssl([
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      f(key),
      '-out',
      f(`${name}.csr`),
      '-subj',
      `/CN=${cn}`,
    ]);
    await ssl([
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca-key.pem'),
      '-CAcreateserial',
      '-out',
      f(cert),
      '-days',
      '2',
      '-extfile',
      f(ext),
    ]);
  }
  return { dir, ca: f('ca.pem'), serverCert: f('server-cert.pem'), serverKey: f('server-key.pem') };
}
