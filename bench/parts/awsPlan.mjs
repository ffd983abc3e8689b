// `pctl plan` of a 50-service aws stack, and how many AWS SDK modules it loads (none: the
// SDK is for deploy, destroy and status).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ms, pctl, run, time } from '../lib.mjs';

export const title = 'aws plan';

export const notes = [];

export async function measure(tmp) {
  const awsDir = path.join(tmp, 'aws');
  mkdirSync(awsDir);
  let awsYaml = 'name: awsbench\nservices:\n';
  for (let i = 0; i < 50; i++)
    awsYaml += `  svc${i}:\n    image: busybox:latest\n    provider: { name: aws, options: { cluster: prod, namespace: bench, region: eu-west-1 } }\n`;
  writeFileSync(path.join(awsDir, 'pctl.yaml'), awsYaml);
  writeFileSync(
    path.join(awsDir, 'hooks.mjs'),
    "import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.PCTL_TRACE, r.url + '\\n'); return r; }\n",
  );
  writeFileSync(
    path.join(awsDir, 'register.mjs'),
    "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
  );
  const trace = path.join(awsDir, 'trace.txt');
  writeFileSync(trace, '');
  run(process.execPath, [pctl, 'plan'], {
    cwd: awsDir,
    env: { ...process.env, PCTL_TRACE: trace, NODE_OPTIONS: `--import ${path.join(awsDir, 'register.mjs')}` },
  });
  const sdkModules = readFileSync(trace, 'utf8')
    .split('\n')
    .filter((u) => /@aws-sdk|@smithy|@aws-crypto/.test(u)).length;
  const awsPlan = time(() => run(process.execPath, [pctl, 'plan'], { cwd: awsDir }), 5);
  return [['`pctl plan`, 50 aws services', ms(awsPlan), `${sdkModules} AWS SDK modules loaded`]];
}
