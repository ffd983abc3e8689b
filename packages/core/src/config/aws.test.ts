// ${ssm:...} and ${cfn:...} against the AWS SDK, mocked where it sends: a failed look-up takes
// the fallback (as in the original pctl), `${cfn:ExportName}` reads an export.
import { CloudFormationClient, DescribeStacksCommand, ListExportsCommand } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadStack } from './load.js';

const ssm = mockClient(SSMClient);
const cfn = mockClient(CloudFormationClient);
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-config-aws-'));
  ssm.reset();
  cfn.reset();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const load = (env: Record<string, string>) => {
  writeFileSync(
    path.join(dir, 'pctl.yaml'),
    `name: app\nservices:\n  api:\n    image: nginx\n    env:\n${Object.entries(env)
      .map(([k, v]) => `      ${k}: "${v}"`)
      .join('\n')}\n    provider: { name: docker }\n`,
  );
  return loadStack({ configPath: 'pctl.yaml', cwd: dir, env: {} });
};
const named = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('${ssm:...}', () => {
  it('reads a parameter, decrypted, and treats it as a secret', async () => {
    ssm
      .on(GetParameterCommand, { Name: '/shop/db', WithDecryption: true })
      .resolves({ Parameter: { Value: 'postgres://s3cret' } });
    const { config, secrets } = await load({ DB: '${ssm:/shop/db}' });
    expect(config.services.api!.env).toEqual({ DB: 'postgres://s3cret' });
    expect(secrets).toContain('postgres://s3cret');
  });

  it('takes the fallback when the look-up fails: not found, no credentials, no region', async () => {
    ssm.on(GetParameterCommand, { Name: '/missing' }).rejects(named('ParameterNotFound', 'not found'));
    ssm
      .on(GetParameterCommand, { Name: '/nocreds' })
      .rejects(named('CredentialsProviderError', 'Could not load credentials from any providers'));
    ssm.on(GetParameterCommand, { Name: '/noregion' }).rejects(new Error('Region is missing'));
    const { config } = await load({ A: '${ssm:/missing, a}', B: '${ssm:/nocreds, b}', C: '${ssm:/noregion, c}' });
    expect(config.services.api!.env).toEqual({ A: 'a', B: 'b', C: 'c' });
  });

  it('without a fallback, names the reason and the line', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(named('CredentialsProviderError', 'Could not load credentials from any providers'));
    const e = (await load({ A: '${ssm:/x}' }).catch((x: unknown) => x)) as ConfigError;
    expect(e.issues).toEqual([
      {
        path: 'services.api.env.A',
        line: 6,
        message: expect.stringMatching(
          /\$\{ssm:\/x\}: CredentialsProviderError: Could not load credentials.*give a fallback/,
        ),
      },
    ]);
  });
});

describe('${cfn:...}', () => {
  it('reads a stack output, and an export when there is no dot (across pages)', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'net' }).resolves({
      Stacks: [
        {
          StackName: 'net',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [{ OutputKey: 'VpcId', OutputValue: 'vpc-1' }],
        },
      ],
    });
    cfn
      .on(ListExportsCommand, { NextToken: undefined })
      .resolves({ Exports: [{ Name: 'other', Value: 'x' }], NextToken: 'p2' });
    cfn
      .on(ListExportsCommand, { NextToken: 'p2' })
      .resolves({ Exports: [{ Name: 'SharedBucket', Value: 'bucket-7' }] });
    const { config } = await load({ VPC: '${cfn:net.VpcId}', BUCKET: '${cfn:SharedBucket}' });
    expect(config.services.api!.env).toEqual({ VPC: 'vpc-1', BUCKET: 'bucket-7' });
  });

  it('takes the fallback when the stack does not exist or the export is missing', async () => {
    cfn.on(DescribeStacksCommand).rejects(named('ValidationError', 'Stack with id gone does not exist'));
    cfn.on(ListExportsCommand).resolves({ Exports: [] });
    const { config } = await load({ A: '${cfn:gone.Out, a}', B: '${cfn:NoSuchExport, b}' });
    expect(config.services.api!.env).toEqual({ A: 'a', B: 'b' });
    const e = (await load({ B: '${cfn:NoSuchExport}' }).catch((x: unknown) => x)) as ConfigError;
    expect(e.issues[0]!.message).toContain('no CloudFormation export named NoSuchExport');
  });
});
