// The fake's HTTP front end: reads a request as sent, checks its signature, dispatches on the
// credential scope's service (ecr: JSON 1.1, eks: REST JSON, sts: query) and answers in
// that protocol, errors included.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, principalOf } from './auth.js';
import { runEcr } from './ecr.js';
import { ecrResourceArn } from './ecrRepository.js';
import { clusterArn, eksRoute, runEks } from './eks.js';
import { authError, AwsError, injectedError, type Protocol, sendError } from './errors.js';
import { ClaimProblem, parseQuery, readClaim, type WireRequest } from './sigv4.js';
import { type FakeCall, type FakeState, nowMs } from './state.js';
import { runSts } from './sts.js';

const ECR_TARGET = 'AmazonEC2ContainerRegistry_V20150921.';
const protocolOf: Record<string, Protocol> = { ecr: 'json', eks: 'rest', sts: 'query' };

// The request exactly as it came over the wire.
export function wireRequest(req: IncomingMessage, body: Buffer): WireRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers = new Map<string, string[]>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), req.rawHeaders[i + 1]!]);
  }
  return { method: req.method ?? 'GET', rawPath: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? '' : url.slice(q + 1), headers, body };
}

// The service a request looks like it is for, from what the protocol puts on the wire.
function serviceHint(w: WireRequest): string | undefined {
  if (w.headers.get('x-amz-target')?.[0]?.startsWith(ECR_TARGET)) return 'ecr';
  if (eksRoute(w.method, w.rawPath) !== undefined) return 'eks';
  if (w.rawPath === '/' && (/(^|&)Action=/.test(w.rawQuery) || /(^|&)Action=/.test(w.body.toString('utf8')))) return 'sts';
  return undefined;
}

function stsParams(w: WireRequest): Map<string, string> {
  const form = (w.headers.get('content-type')?.[0] ?? '').startsWith('application/x-www-form-urlencoded')
    ? parseQuery(w.body.toString('utf8').replace(/\+/g, '%20')) : [];
  return new Map([...parseQuery(w.rawQuery), ...form]);
}

function operationOf(service: string, w: WireRequest): string {
  if (service === 'ecr') return (w.headers.get('x-amz-target')?.[0] ?? '').slice(ECR_TARGET.length);
  if (service === 'eks') return eksRoute(w.method, w.rawPath)?.op ?? '';
  return stsParams(w).get('Action') ?? '';
}

function takeFailure(state: FakeState, op: string): string | undefined {
  const f = state.failures.find((x) => x.op === op && (x.times === undefined || x.times > 0));
  if (f === undefined) return undefined;
  if (f.times !== undefined) f.times--;
  return f.code;
}

function sendOk(res: ServerResponse, protocol: Protocol, body: string, requestId: string, json: boolean): void {
  const type = protocol === 'json' ? 'application/x-amz-json-1.1' : protocol === 'rest' || json ? 'application/json' : 'text/xml';
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), 'x-amzn-RequestId': requestId });
  res.end(body);
}

async function serve(state: FakeState, w: WireRequest, res: ServerResponse, call: FakeCall, requestId: string): Promise<void> {
  const hint = serviceHint(w);
  let protocol: Protocol = protocolOf[hint ?? 'sts']!;
  const acceptJson = (w.headers.get('accept')?.[0] ?? '').includes('application/json');
  try {
    call.service = hint ?? '';
    call.op = hint ? operationOf(hint, w) : '';
    let claim;
    try {
      claim = readClaim(w);
    } catch (e) {
      if (e instanceof ClaimProblem) throw authError(e.kind, protocol, e.message);
      throw e;
    }
    if (claim === undefined) {
      throw authError('missing', protocol, protocol === 'query' ? 'Request is missing Authentication Token' : 'Missing Authentication Token');
    }
    call.accessKeyId = claim.accessKeyId;
    if (claim.presigned) call.presigned = true;
    const service = claim.service;
    if (protocolOf[service] === undefined || (hint !== undefined && hint !== service)) {
      throw authError('scope', protocol, `Credential should be scoped to correct service: '${hint ?? 'sts'}'. `);
    }
    protocol = protocolOf[service]!;
    call.service = service;
    call.op = operationOf(service, w);
    const regions = service === 'sts' ? [...new Set([state.region, 'us-east-1'])] : [state.region];
    const cred = authenticate(w, claim, protocol, { credentials: state.credentials, regions, nowMs: nowMs(state) });
    const who = principalOf(cred, state.accountId);

    let input: Record<string, unknown> = {};
    if (service === 'ecr') {
      try {
        input = w.body.length > 0 ? (JSON.parse(w.body.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        throw new AwsError('SerializationException', 400, 'Start of structure or map found where not expected.');
      }
    }
    const injected = takeFailure(state, call.op);
    if (injected !== undefined) {
      const route = eksRoute(w.method, w.rawPath);
      const resourceArn = service === 'ecr' ? ecrResourceArn(state, input) : service === 'eks' ? clusterArn(state, route?.name ?? '*') : '*';
      throw injectedError(injected, protocol, { service, op: call.op, callerArn: who.arn, resourceArn });
    }
    if (service === 'ecr') {
      sendOk(res, protocol, JSON.stringify(await runEcr(state, call.op, input)), requestId, true);
    } else if (service === 'eks') {
      const route = eksRoute(w.method, w.rawPath);
      if (route === undefined) throw new AwsError('UnknownOperationException', 404, 'Unknown operation');
      sendOk(res, protocol, JSON.stringify(runEks(state, route)), requestId, true);
    } else {
      const params = stsParams(w);
      sendOk(res, protocol, runSts(state, params, who, requestId, acceptJson), requestId, acceptJson);
    }
    call.status = 200;
  } catch (e) {
    const err = e instanceof AwsError ? e : new AwsError(protocol === 'query' ? 'InternalFailure' : 'InternalFailure', 500, `fake: ${(e as Error)?.stack ?? String(e)}`);
    call.status = err.status;
    call.error = err.code;
    sendError(res, protocol, err, requestId, acceptJson);
  }
}

// The request listener of the fake.
export function awsListener(state: FakeState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const requestId = randomUUID();
      const call: FakeCall = { service: '', op: '' };
      state.calls.push(call);
      // The server's clock, as AWS sends it: SDKs correct their skew from this header.
      res.setHeader('Date', new Date(nowMs(state)).toUTCString());
      void serve(state, wireRequest(req, Buffer.concat(chunks)), res, call, requestId);
    });
  };
}
