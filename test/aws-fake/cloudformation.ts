// CloudFormation over the query protocol, answered in XML: DescribeStacks (a stack's
// outputs) and ListExports (paged, as AWS pages it, so a client must follow NextToken).
import { AwsError, xmlEscape } from './errors.js';
import type { FakeStack, FakeState } from './state.js';

const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
/** Exports per page (AWS pages by 100; small here so tests cross a page). */
export const EXPORTS_PAGE = 2;

const stackId = (state: FakeState, name: string) =>
  `arn:aws:cloudformation:${state.region}:${state.accountId}:stack/${name}/00000000-0000-4000-8000-${Buffer.from(name).toString('hex').padEnd(12, '0').slice(0, 12)}`;
const el = (name: string, v: string) => `<${name}>${xmlEscape(v)}</${name}>`;

function answer(action: string, result: string, requestId: string): string {
  return `<${action}Response xmlns="${NS}">\n  <${action}Result>\n${result}  </${action}Result>\n  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`;
}

export function runCloudFormation(state: FakeState, params: Map<string, string>, requestId: string): string {
  const action = params.get('Action') ?? '';
  if (params.get('Version') !== '2010-05-15')
    throw new AwsError(
      'InvalidAction',
      400,
      `Could not find operation ${action} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`,
    );
  if (action === 'DescribeStacks') {
    const name = params.get('StackName');
    const names = name ? [name] : [...state.stacks.keys()];
    if (name && !state.stacks.has(name))
      throw new AwsError('ValidationError', 400, `Stack with id ${name} does not exist`);
    const members = names
      .map((n) => {
        const outputs = state.stacks
          .get(n)!
          .outputs.map(
            (o) =>
              `          <member>\n            ${el('OutputKey', o.key)}\n            ${el('OutputValue', o.value)}\n${o.exportName ? `            ${el('ExportName', o.exportName)}\n` : ''}          </member>\n`,
          )
          .join('');
        return `      <member>\n        ${el('StackName', n)}\n        ${el('StackId', stackId(state, n))}\n        <CreationTime>2024-01-01T00:00:00.000Z</CreationTime>\n        <StackStatus>CREATE_COMPLETE</StackStatus>\n        <Outputs>\n${outputs}        </Outputs>\n      </member>\n`;
      })
      .join('');
    return answer(action, `    <Stacks>\n${members}    </Stacks>\n`, requestId);
  }
  if (action === 'ListExports') {
    const all = [...state.stacks.entries()].flatMap(([n, s]) =>
      s.outputs.filter((o) => o.exportName).map((o) => ({ stack: n, name: o.exportName!, value: o.value })),
    );
    const start = Number(params.get('NextToken') ?? 0);
    if (!Number.isInteger(start) || start < 0 || start > all.length)
      throw new AwsError('ValidationError', 400, 'Invalid NextToken');
    const page = all.slice(start, start + EXPORTS_PAGE);
    const next = start + EXPORTS_PAGE < all.length ? `    ${el('NextToken', String(start + EXPORTS_PAGE))}\n` : '';
    const members = page
      .map(
        (x) =>
          `      <member>\n        ${el('ExportingStackId', stackId(state, x.stack))}\n        ${el('Name', x.name)}\n        ${el('Value', x.value)}\n      </member>\n`,
      )
      .join('');
    return answer(action, `    <Exports>\n${members}    </Exports>\n${next}`, requestId);
  }
  throw new AwsError('InvalidAction', 400, `Could not find operation ${action} for version 2010-05-15`);
}
