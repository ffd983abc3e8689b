// Hostile sizes: dependsOn chains and cycles, and ${self:} loops, through thousands of
// services. Each ends in its plan or its one error line, never in "Maximum call stack
// size exceeded" or an exhausted heap.
import type { HostileCase } from '../case.js';

// `n` services s0..s<n-1>, each with the lines `extra(i)` gives.
const services = (name: string, n: number, extra: (i: number) => string, head = '') => {
  let y = `name: ${name}\n${head}services:\n`;
  for (let i = 0; i < n; i++) y += `  s${i}:\n    image: busybox:latest\n    provider: { name: custom }\n${extra(i)}`;
  return y;
};
const HEAD = 'providers: { custom: ./p.mjs }\n';
// Deploys fail at once: what is measured is the planning and ordering before the first deploy.
const failing = `export default { apiVersion: 1, name: 'custom', async deploy({ target }) { throw new Error('refused ' + target.key); }, async destroy() {} };\n`;

export const cases: HostileCase[] = [
  {
    name: 'a dependsOn cycle through 8,000 services is refused by validate in one short line naming its ends',
    files: {
      'pctl.yaml': services('sc-cycle', 8_000, (i) => `    dependsOn: [s${(i + 1) % 8_000}]\n`, HEAD),
      'p.mjs': failing,
    },
    argv: ['validate'],
    exit: 2,
    stderr:
      /pctl\.yaml:\d+ services\.s0\.dependsOn: dependsOn cycle: s0 -> s1 -> s2 -> s3 -> s4 -> \.\.\. \(7993 more\) -> s7998 -> s7999 -> s0$/,
    timeoutMs: 120_000,
  },
  {
    name: 'deploy of a 10,000-long dependsOn chain orders it and starts at its end (the provider fails there)',
    files: {
      'pctl.yaml': services('sc-chain', 10_000, (i) => (i + 1 < 10_000 ? `    dependsOn: [s${i + 1}]\n` : ''), HEAD),
      'p.mjs': failing,
    },
    argv: ['deploy', '--json'],
    exit: 1,
    stderr: /refused sc-chain-s9999/,
    stdout: /"ok":false/,
    timeoutMs: 120_000,
  },
  {
    name: 'a ${self:} reference loop through 10,000 services is refused, each line naming the loop by its ends',
    files: {
      'pctl.yaml': services(
        'sc-self',
        10_000,
        (i) => `    env: { X: "\${self:services.s${(i + 1) % 10_000}.env.X}" }\n`,
        HEAD,
      ),
      'p.mjs': failing,
    },
    argv: ['validate'],
    exit: 2,
    stderr:
      /services\.s0\.env\.X: reference loop: services\.s0\.env\.X -> services\.s1\.env\.X -> .* -> \.\.\. \(9993 more\) -> .* -> services\.s9999\.env\.X -> services\.s0\.env\.X\n/,
    timeoutMs: 120_000,
  },
  {
    name: '10,000 services each naming an unknown dependency get one line each, the service list cut',
    files: {
      'pctl.yaml': services('sc-unknown', 10_000, (i) => `    dependsOn: [nope${i}]\n`, HEAD),
      'p.mjs': failing,
    },
    argv: ['validate'],
    exit: 2,
    stderr:
      /services\.s0\.dependsOn\.0: unknown service "nope0" \(services: s0, s1, s2, .*, s19, \.\.\. \(10000 in all\)\)$/m,
    timeoutMs: 120_000,
  },
];
