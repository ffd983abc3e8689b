// The stack both sides of the plain-docker comparison deploy: N busybox services, each
// built from its own Dockerfile in its own folder of the stack, with the stack folder as the
// build context (the original pctl's layout), each publishing one port.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

// Whether nothing listens on this TCP port.
const portFree = (port) =>
  new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
  });

// The first of n consecutive free ports in 19100-19999, from a random start (the shared
// engine serves concurrent test runs).
export async function freePorts(n) {
  const span = 900 - n;
  const start = Math.floor(Math.random() * span);
  for (let k = 0; k < span; k++) {
    const base = 19100 + ((start + k) % span);
    let ok = true;
    for (let p = base; p < base + n && ok; p++) ok = await portFree(p);
    if (ok) return Array.from({ length: n }, (_, i) => base + i);
  }
  throw new Error(`no ${n} consecutive free ports in 19100-19999`);
}

// Writes the stack into dir. Every file carries a nonce, so no image of it exists yet and
// no build step of it is in the engine's cache: each side, each round, builds cold.
export function writeStack({ dir, stack, ports }) {
  mkdirSync(dir, { recursive: true });
  const nonce = randomBytes(8).toString('hex');
  let yaml = `name: ${stack}\nservices:\n`;
  const services = ports.map((port, i) => {
    const name = `svc${i}`;
    mkdirSync(path.join(dir, name));
    writeFileSync(
      path.join(dir, name, 'Dockerfile'),
      `FROM busybox:latest\nCOPY ${name}/ /app/\nCMD ["sleep", "86400"]\n`,
    );
    const content = `${stack} ${name} ${nonce}\n`;
    writeFileSync(path.join(dir, name, 'round.txt'), content);
    yaml += `  ${name}:\n    image: ./${name}/Dockerfile\n    ports: ["${port}:8080"]\n    provider: { name: docker }\n`;
    return {
      name,
      port,
      dockerfile: path.join(dir, name, 'Dockerfile'),
      // What pctl would name them (providers/docker): the plain side uses the same names.
      container: `${stack}-${name}`,
      image: `pctl-${stack}-${name}:${nonce.slice(0, 12)}`,
      fingerprint: createHash('sha256').update(content).digest('hex'),
    };
  });
  writeFileSync(path.join(dir, 'pctl.yaml'), yaml);
  return { dir, stack, network: `pctl-${stack}`, services };
}
