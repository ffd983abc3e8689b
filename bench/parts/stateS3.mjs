// A no-op deploy with the state on S3 (the AWS fake's S3 on 127.0.0.1, every request
// signed and checked) against the same deploy with the local state file, in turns.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ms, pctl, root, runAsync, uniqueName } from '../lib.mjs';

export const title = 'state on s3';

export const notes = [
  `**state on s3**: the second \`pctl deploy\` of a 10-service stack (the file provider of
  examples/custom-provider: pctl's own cost), its state and lock on S3 (the AWS fake, each
  request SigV4-checked: lock PutObject, GetObject, lock DeleteObject) against the local
  state file, in turns. The difference is what S3 adds to a run (target: at most 0.3 s; the
  SDK's load is most of it).`,
];

// The fake is TypeScript: bundled for this run with the repository's esbuild.
async function startFake(tmp, creds) {
  const { build } = await import('esbuild');
  const out = path.join(tmp, 'aws-fake.mjs');
  await build({
    entryPoints: [path.join(root, 'test/aws-fake/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: out,
    packages: 'external',
    logLevel: 'error',
  });
  const { startAwsFake } = await import(pathToFileURL(out).href);
  return startAwsFake({ region: 'eu-west-1', credentials: [creds], buckets: { 'bench-state': { versioning: true } } });
}

// Median of `runs` async calls, in turns with another (the pair's ratio is the figure).
async function pairedAsync(a, b, runs) {
  const ta = [];
  const tb = [];
  const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  for (let i = 0; i < runs; i++) {
    for (const [fn, out] of [
      [a, ta],
      [b, tb],
    ]) {
      const t = process.hrtime.bigint();
      await fn();
      out.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  return [med(ta), med(tb)];
}

export async function measure(tmp) {
  const creds = { accessKeyId: 'AKIABENCHSTATE00001', secretAccessKey: 'bench-secret' };
  const fake = await startFake(tmp, creds);
  try {
    const stack = uniqueName('bench-state');
    const dir = path.join(tmp, 'stack');
    mkdirSync(dir);
    writeFileSync(
      path.join(dir, 'file-provider.mjs'),
      readFileSync(path.join(root, 'examples/custom-provider/file-provider.mjs')),
    );
    let yaml = `name: ${stack}\nproviders:\n  file: ./file-provider.mjs\nservices:\n`;
    for (let i = 0; i < 10; i++)
      yaml += `  svc${i}:\n    image: busybox:latest\n    env: { INDEX: "${i}" }\n    provider: { name: file, options: { dir: out } }\n`;
    writeFileSync(path.join(dir, 'pctl.yaml'), yaml);
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    delete env.AWS_PROFILE;
    const url = `s3://bench-state/${stack}.json?region=eu-west-1&endpoint=${encodeURIComponent(fake.endpoint)}&usePathStyle=true`;
    // Never spawnSync: it would block the fake, which answers from this process.
    const local = () => runAsync(process.execPath, [pctl, 'deploy'], { cwd: dir, env });
    const s3 = () => runAsync(process.execPath, [pctl, 'deploy', '--state', url], { cwd: dir, env });
    // First deploys (not measured), one for each state.
    await local();
    await s3();
    const [withS3, withLocal] = await pairedAsync(s3, local, 7);
    return [
      [
        'no-op deploy, 10 services, state on s3',
        ms(withS3),
        `median of 7, in turns; +${ms(withS3 - withLocal)} over the local state file (target: at most +300 ms)`,
      ],
      ['the same, local state file', ms(withLocal), 'median of 7'],
    ];
  } finally {
    await fake.stop();
  }
}
