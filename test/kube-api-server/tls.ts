// A self-signed serving certificate for 127.0.0.1, made once per process with openssl (absent: fall back to HTTP).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServingCert {
  cert: string;
  key: string;
}

let cached: ServingCert | null | undefined;

export function servingCert(): ServingCert | undefined {
  if (cached !== undefined) return cached ?? undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kube-api-server-tls-'));
  try {
    const keyPath = join(dir, 'tls.key');
    const certPath = join(dir, 'tls.crt');
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '3650',
        '-subj',
        '/CN=kube-apiserver',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc',
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      { encoding: 'utf8' },
    );
    cached = r.status === 0 ? { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') } : null;
  } catch {
    cached = null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return cached ?? undefined;
}
