// `plan` of a 50-service kind stack next to a 50-service docker stack (target: within
// 1.5×; the Kubernetes client must not load), and `render` of the kind stack.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ms, pctl, run, time } from '../lib.mjs';

export const title = 'plan and render';

export const notes = [
  `**plan and render of Kubernetes stacks**: neither speaks to a cluster, so neither loads
  \`@kubernetes/client-node\` (it loads in \`connect()\`, on deploy, destroy and status);
  a kind stack plans about as fast as a docker one.`,
];

export async function measure(tmp) {
  const planOf = (provider) => {
    const d = path.join(tmp, `plan-${provider}`);
    mkdirSync(d);
    let y = `name: cold${provider}\nservices:\n`;
    for (let i = 0; i < 50; i++)
      y += `  s${i}:\n    image: nginx:1.27\n    ports: [${8000 + i}]\n    env: { INDEX: "${i}" }\n    provider: { name: ${provider} }\n`;
    writeFileSync(path.join(d, 'pctl.yaml'), y);
    return d;
  };
  const kindDir = planOf('kind');
  const dockerDir = planOf('docker');
  const kindPlan = time(() => run(process.execPath, [pctl, 'plan'], { cwd: kindDir }), 5);
  const dockerPlan = time(() => run(process.execPath, [pctl, 'plan'], { cwd: dockerDir }), 5);
  const kindRender = time(() => run(process.execPath, [pctl, 'render'], { cwd: kindDir }), 5);
  return [
    ['`pctl plan`, 50 docker services', ms(dockerPlan), 'median of 5'],
    [
      '`pctl plan`, 50 kind services',
      ms(kindPlan),
      `median of 5 (${(kindPlan / dockerPlan).toFixed(2)}× docker; target ≤ 1.5×)`,
    ],
    ['`pctl render`, 50 kind services', ms(kindRender), 'median of 5'],
  ];
}
