// Runs Debian's aws CLI v2 (/usr/bin/aws, never the pyenv v1 first on PATH) against the
// fake: env credentials only, empty config files, no instance metadata.
import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Debian's aws CLI v2.
export const AWS_CLI = '/usr/bin/aws';

// Credentials the CLI gets from its environment.
export interface CliCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

// How a CLI run ended.
export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

// One HOME with empty config files, shared by every run and process (nothing in it changes).
function emptyHome(): string {
  const home = path.join(tmpdir(), 'pctl-aws-cli-home');
  mkdirSync(home, { recursive: true });
  for (const f of ['config', 'credentials']) {
    try {
      writeFileSync(path.join(home, f), '', { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return home;
}

// An environment in which the CLI sees only these credentials and this region.
export function awsCliEnv(creds: CliCredentials, region: string): Record<string, string> {
  const home = emptyHome();
  return {
    PATH: '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: path.join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    ...(creds.sessionToken !== undefined ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}),
  };
}

// Runs `aws <args> --endpoint-url <endpoint>` (Debian's CLI 2.9 predates AWS_ENDPOINT_URL).
export async function awsCli(endpoint: string, env: Record<string, string>, args: string[]): Promise<CliResult> {
  const r = await execa(AWS_CLI, [...args, '--endpoint-url', endpoint, '--output', 'json'], {
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
