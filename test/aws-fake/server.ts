// The fake's HTTP front end: reads a request as sent, checks its signature, dispatches on the
// credential scope's service (ecr, ssm: JSON 1.1; eks: REST JSON; sts, cloudformation:
// query) and answers in that protocol, errors included.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, type Principal, principalOf } from './auth.js';
import { runEcr } from './ecr.js';
import { ecrResourceArn } from './ecrRepository.js';
import { clusterArn, eksRoute, runEks } from './eks.js';
import { authError, AwsError, injectedError, type Protocol, sendError } from './errors.js';
import { ClaimProblem, parseQuery, readClaim, type WireRequest } from './sigv4.js';
import { type FakeCall, type FakeState, nowMs } from './state.js';
import { runSts } from './sts.js';
import { runSsm } from './ssm.js';
import { runCloudFormation } from './cloudformation.js';
import { beginS3Write, endS3Write, type InflightWrite, runS3, s3Address } from './s3.js';

const ECR_TARGET = 'AmazonEC2ContainerRegistry_V20150921.';
const SSM_TARGET = 'AmazonSSM.';
const protocolOf: Record<string, Protocol> = {
  ecr: 'json',
  ssm: 'json',
  eks: 'rest',
  sts: 'query',
  cloudformation: 'query',
  s3: 'xml',
};
const targets: Record<string, string> = { ecr: ECR_TARGET, ssm: SSM_TARGET };
const CFN_ACTIONS = new Set(['DescribeStacks', 'ListExports']);

// The request exactly as it came over the wire.
export function wireRequest(req: IncomingMessage, body: Buffer): WireRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers = new Map<string, string[]>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), req.rawHeaders[i + 1]!]);
  }
  return {
    method: req.method ?? 'GET',
    rawPath: q < 0 ? url : url.slice(0, q),
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    headers,
    body,
  };
}

// The service a request looks like it is for, from what the protocol puts on the wire.
function serviceHint(w: WireRequest): string | undefined {
  const target = w.headers.get('x-amz-target')?.[0];
  if (target?.startsWith(ECR_TARGET)) return 'ecr';
  if (target?.startsWith(SSM_TARGET)) return 'ssm';
  if (eksRoute(w.method, w.rawPath) !== undefined) return 'eks';
  if (w.rawPath === '/' && (/(^|&)Action=/.test(w.rawQuery) || /(^|&)Action=/.test(w.body.toString('utf8'))))
    return CFN_ACTIONS.has(stsParams(w).get('Action') ?? '') ? 'cloudformation' : 'sts';
  // S3 clients (the SDK, botocore) always send the payload hash header. Some other clients
  // send it too (a SigV4 signer applying its checksum, as the SDK's STS client may): those are
  // known above by their route or their Action, so S3 is what is left.
  if (w.headers.has('x-amz-content-sha256') && !target) return 's3';
  return undefined;
}

function stsParams(w: WireRequest): Map<string, string> {
  const form = (w.headers.get('content-type')?.[0] ?? '').startsWith('application/x-www-form-urlencoded')
    ? parseQuery(w.body.toString('utf8').replace(/\+/g, '%20'))
    : [];
  return new Map([...parseQuery(w.rawQuery), ...form]);
}

function operationOf(service: string, w: WireRequest): string {
  if (targets[service]) return (w.headers.get('x-amz-target')?.[0] ?? '').slice(targets[service]!.length);
  if (service === 'eks') return eksRoute(w.method, w.rawPath)?.op ?? '';
  if (service === 's3') return s3Operation(w);
  return stsParams(w).get('Action') ?? '';
}

function takeFailure(state: FakeState, op: string): string | undefined {
  const f = state.failures.find((x) => x.op === op && (x.times === undefined || x.times > 0));
  if (f === undefined) return undefined;
  if (f.times !== undefined) f.times--;
  return f.code;
}

function sendOk(res: ServerResponse, protocol: Protocol, body: string, requestId: string, json: boolean): void {
  const type =
    protocol === 'json' ? 'application/x-amz-json-1.1' : protocol === 'rest' || json ? 'application/json' : 'text/xml';
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': String(Buffer.byteLength(body)),
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}

// Who sent the request and for which service; throws the protocol's auth error. `reply.protocol`
// follows what is known so far, so even an unreadable request is answered in its protocol.
function identify(
  state: FakeState,
  w: WireRequest,
  call: FakeCall,
  reply: { protocol: Protocol },
): { service: string; who: Principal } {
  const hint = serviceHint(w);
  call.service = hint ?? '';
  call.op = hint ? operationOf(hint, w) : '';
  let claim;
  try {
    claim = readClaim(w);
  } catch (e) {
    if (e instanceof ClaimProblem) throw authError(e.kind, reply.protocol, e.message);
    throw e;
  }
  if (claim === undefined) {
    throw authError(
      'missing',
      reply.protocol,
      reply.protocol === 'query' ? 'Request is missing Authentication Token' : 'Missing Authentication Token',
    );
  }
  call.accessKeyId = claim.accessKeyId;
  if (claim.presigned) call.presigned = true;
  const service = claim.service;
  if (protocolOf[service] === undefined || (hint !== undefined && hint !== service)) {
    throw authError('scope', reply.protocol, `Credential should be scoped to correct service: '${hint ?? 'sts'}'. `);
  }
  reply.protocol = protocolOf[service]!;
  call.service = service;
  call.op = operationOf(service, w);
  const regions = service === 'sts' ? [...new Set([state.region, 'us-east-1'])] : [state.region];
  const cred = authenticate(w, claim, reply.protocol, { credentials: state.credentials, regions, nowMs: nowMs(state) });
  return { service, who: principalOf(cred, state.accountId) };
}

function ecrInput(w: WireRequest): Record<string, unknown> {
  try {
    return w.body.length > 0 ? (JSON.parse(w.body.toString('utf8')) as Record<string, unknown>) : {};
  } catch {
    throw new AwsError('SerializationException', 400, 'Start of structure or map found where not expected.');
  }
}

// The body of the operation's successful answer; throws its AwsError.
async function dispatch(
  state: FakeState,
  w: WireRequest,
  service: string,
  op: string,
  who: Principal,
  requestId: string,
  acceptJson: boolean,
): Promise<string> {
  const input = protocolOf[service] === 'json' ? ecrInput(w) : {};
  const route = service === 'eks' ? eksRoute(w.method, w.rawPath) : undefined;
  const injected = takeFailure(state, op);
  if (injected !== undefined) {
    const resourceArn =
      service === 'ecr'
        ? ecrResourceArn(state, input)
        : service === 'eks'
          ? clusterArn(state, route?.name ?? '*')
          : '*';
    throw injectedError(injected, protocolOf[service]!, { service, op, callerArn: who.arn, resourceArn });
  }
  if (service === 'ecr') return JSON.stringify(await runEcr(state, op, input));
  if (service === 'ssm') return JSON.stringify(runSsm(state, op, input));
  if (service === 'cloudformation') return runCloudFormation(state, stsParams(w), requestId);
  if (service === 'eks') {
    if (route === undefined) throw new AwsError('UnknownOperationException', 404, 'Unknown operation');
    return JSON.stringify(runEks(state, route));
  }
  return runSts(state, stsParams(w), who, requestId, acceptJson);
}

// The S3 operation a request is, by method and what it addresses.
function s3Operation(w: WireRequest): string {
  let key = '';
  try {
    key = s3Address(w.headers.get('host')?.[0] ?? '', w.rawPath).key;
  } catch {
    return '';
  }
  if (key === '')
    return w.method === 'HEAD'
      ? 'HeadBucket'
      : /(^|&)versions(=|&|$)/.test(w.rawQuery)
        ? 'ListObjectVersions'
        : /(^|&)versioning(=|&|$)/.test(w.rawQuery)
          ? 'GetBucketVersioning'
          : '';
  return (
    ({ GET: 'GetObject', HEAD: 'HeadObject', PUT: 'PutObject', DELETE: 'DeleteObject' } as Record<string, string>)[
      w.method
    ] ?? ''
  );
}

async function serve(
  state: FakeState,
  w: WireRequest,
  res: ServerResponse,
  call: FakeCall,
  requestId: string,
  write?: InflightWrite,
): Promise<void> {
  const reply = { protocol: protocolOf[serviceHint(w) ?? 'sts']! };
  const acceptJson = (w.headers.get('accept')?.[0] ?? '').includes('application/json');
  try {
    const { service, who } = identify(state, w, call, reply);
    if (service === 's3') {
      const injected = takeFailure(state, call.op);
      if (injected !== undefined)
        throw injectedError(injected, 'xml', { service, op: call.op, callerArn: who.arn, resourceArn: '*' });
      const a = runS3(state, w, write);
      res.writeHead(a.status, {
        ...a.headers,
        'x-amz-request-id': requestId,
        ...(a.status === 204 || w.method === 'HEAD' ? {} : { 'Content-Length': String(a.body.length) }),
      });
      res.end(w.method === 'HEAD' ? undefined : a.body);
      call.status = a.status;
      return;
    }
    const body = await dispatch(state, w, service, call.op, who, requestId, acceptJson);
    sendOk(res, reply.protocol, body, requestId, acceptJson);
    call.status = 200;
  } catch (e) {
    const err =
      e instanceof AwsError ? e : new AwsError('InternalFailure', 500, `fake: ${(e as Error)?.stack ?? String(e)}`);
    call.status = err.status;
    call.error = err.code;
    sendError(res, reply.protocol, err, requestId, acceptJson, w.method === 'HEAD');
  }
}

// The request listener of the fake.
export function awsListener(state: FakeState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = [];
    // A conditional S3 write is known from its first byte: a write committing meanwhile conflicts with it.
    const write = beginS3Write(state, req);
    res.on('close', () => endS3Write(state, write));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const requestId = randomUUID();
      const call: FakeCall = { service: '', op: '' };
      state.calls.push(call);
      // The server's clock, as AWS sends it: SDKs correct their skew from this header.
      res.setHeader('Date', new Date(nowMs(state)).toUTCString());
      void serve(state, wireRequest(req, Buffer.concat(chunks)), res, call, requestId, write);
    });
  };
}
