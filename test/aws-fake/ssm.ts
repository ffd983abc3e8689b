// SSM Parameter Store over JSON 1.1 (`AmazonSSM.GetParameter`): String and SecureString
// parameters; a SecureString's value only with WithDecryption (else the encrypted blob).
import { AwsError } from './errors.js';
import type { FakeParameter, FakeState } from './state.js';

export function runSsm(state: FakeState, op: string, input: Record<string, unknown>): unknown {
  if (op !== 'GetParameter') throw new AwsError('UnknownOperationException', 400, '');
  const name = input.Name;
  if (typeof name !== 'string' || !name)
    throw new AwsError(
      'ValidationException',
      400,
      "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
    );
  const p = state.parameters.get(name);
  if (!p) throw new AwsError('ParameterNotFound', 400, '');
  const plain = p.type === 'String' || input.WithDecryption === true;
  return {
    Parameter: {
      Name: name,
      Type: p.type,
      Value: plain ? p.value : Buffer.from(`kms-encrypted:${name}`).toString('base64'),
      Version: p.version,
      LastModifiedDate: 1_700_000_000,
      ARN: `arn:aws:ssm:${state.region}:${state.accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`,
      DataType: 'text',
    },
  };
}
