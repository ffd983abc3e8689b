// `${ssm:...}` and `${cfn:...}`: AWS look-ups. The SDKs load only when a stack uses them.
// A failed look-up (no region, no credentials, not found) is `undefined` plus a reason, so a
// fallback applies as in the original pctl.

export interface Lookup {
  value?: string;
  /** Why nothing was found, for the message when there is no fallback. */
  reason?: string;
}

/**
 * Before an AWS SDK client is made: the SDK's notice that its later versions need a newer
 * Node (printed on stderr by the first client) is about pctl's runtime, not the user's
 * stack, so it is left unsaid unless the user asked for it.
 */
export function quietAwsSdk(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

const reasonOf = (e: unknown) =>
  ((e as { name?: string }).name && (e as { name?: string }).name !== 'Error'
    ? `${(e as { name: string }).name}: `
    : '') + ((e as Error).message ?? String(e)).split('\n')[0];

/** `${ssm:/path}`: an SSM parameter, decrypted. */
export async function ssmParameter(name: string): Promise<Lookup> {
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  let client: InstanceType<typeof SSMClient> | undefined;
  quietAwsSdk();
  try {
    client = new SSMClient({});
    const r = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    return r.Parameter?.Value === undefined ? { reason: 'the parameter has no value' } : { value: r.Parameter.Value };
  } catch (e) {
    return { reason: (e as { name?: string }).name === 'ParameterNotFound' ? 'parameter not found' : reasonOf(e) };
  } finally {
    client?.destroy();
  }
}

/** `${cfn:stack.OutputKey}`: a stack output; `${cfn:ExportName}` (no dot): a CloudFormation export. */
export async function cfnValue(key: string): Promise<Lookup> {
  const { CloudFormationClient, DescribeStacksCommand, ListExportsCommand } = await import(
    '@aws-sdk/client-cloudformation'
  );
  let client: InstanceType<typeof CloudFormationClient> | undefined;
  quietAwsSdk();
  try {
    client = new CloudFormationClient({});
    const dot = key.indexOf('.');
    if (dot <= 0) {
      let token: string | undefined;
      do {
        const r = await client.send(new ListExportsCommand({ NextToken: token }));
        const found = r.Exports?.find((x) => x.Name === key);
        if (found?.Value !== undefined) return { value: found.Value };
        token = r.NextToken;
      } while (token);
      return { reason: `no CloudFormation export named ${key}` };
    }
    const stackName = key.slice(0, dot);
    const outputKey = key.slice(dot + 1);
    const r = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const out = r.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === outputKey || o.ExportName === outputKey);
    return out?.OutputValue === undefined
      ? { reason: `stack ${stackName} has no output ${outputKey}` }
      : { value: out.OutputValue };
  } catch (e) {
    return { reason: reasonOf(e) };
  } finally {
    client?.destroy();
  }
}
