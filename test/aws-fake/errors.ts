// AWS errors and how each protocol puts them on the wire: JSON 1.1 (`__type`), REST JSON
// (`x-amzn-ErrorType` header and a `message` body) and query (`<ErrorResponse>` XML, or
// the JSON form STS gives to `Accept: application/json`).
import type { ServerResponse } from 'node:http';

// The wire protocols: ECR's JSON 1.1, EKS's REST JSON, STS's query.
export type Protocol = 'json' | 'rest' | 'query' | 'xml';

// One error as a service raises it.
export class AwsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra members of a JSON error body (EKS puts `clusterName` there). */
    readonly extra: Record<string, unknown> = {},
    /** Coral namespace of errors raised by the front end rather than the service. */
    readonly namespace?: string,
    readonly fault: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
    /** Headers S3 sends with the error (x-amz-delete-marker). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

// Why a request failed authentication, independent of protocol.
export type AuthFailure =
  | 'missing'
  | 'incomplete'
  | 'query'
  | 'unknownKey'
  | 'expiredToken'
  | 'signature'
  | 'skew'
  | 'scope';

const CORAL = 'com.amazon.coral.service';

const authCodes: Record<AuthFailure, Record<Protocol, [string, number]>> = {
  missing: {
    query: ['MissingAuthenticationToken', 403],
    json: ['MissingAuthenticationTokenException', 400],
    rest: ['MissingAuthenticationTokenException', 403],
    xml: ['AccessDenied', 403],
  },
  incomplete: {
    query: ['IncompleteSignature', 400],
    json: ['IncompleteSignatureException', 400],
    rest: ['IncompleteSignatureException', 403],
    xml: ['AuthorizationHeaderMalformed', 400],
  },
  query: {
    query: ['AuthorizationQueryParametersError', 400],
    json: ['IncompleteSignatureException', 400],
    rest: ['IncompleteSignatureException', 403],
    xml: ['AuthorizationQueryParametersError', 400],
  },
  unknownKey: {
    query: ['InvalidClientTokenId', 403],
    json: ['UnrecognizedClientException', 400],
    rest: ['UnrecognizedClientException', 403],
    xml: ['InvalidAccessKeyId', 403],
  },
  expiredToken: {
    query: ['ExpiredToken', 403],
    json: ['ExpiredTokenException', 400],
    rest: ['ExpiredTokenException', 403],
    xml: ['ExpiredToken', 400],
  },
  signature: {
    query: ['SignatureDoesNotMatch', 403],
    json: ['InvalidSignatureException', 400],
    rest: ['InvalidSignatureException', 403],
    xml: ['SignatureDoesNotMatch', 403],
  },
  skew: {
    query: ['SignatureDoesNotMatch', 403],
    json: ['InvalidSignatureException', 400],
    rest: ['InvalidSignatureException', 403],
    xml: ['RequestTimeTooSkewed', 403],
  },
  scope: {
    query: ['SignatureDoesNotMatch', 403],
    json: ['InvalidSignatureException', 400],
    rest: ['InvalidSignatureException', 403],
    xml: ['AuthorizationHeaderMalformed', 400],
  },
};

// AWS's messages for a wrong signature, an unknown or wrong token, an expired token.
export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const TOKEN_INVALID = 'The security token included in the request is invalid.';
export const TOKEN_EXPIRED = 'The security token included in the request is expired';

// The error a front end answers an authentication failure with, in the given protocol.
export function authError(failure: AuthFailure, protocol: Protocol, message: string): AwsError {
  const [code, status] = authCodes[failure][protocol];
  return new AwsError(code, status, message, {}, CORAL);
}

// Status codes and stock messages of errors a test injects with `fail(op, code)`.
const injectable: Record<string, [number, string]> = {
  ThrottlingException: [400, 'Rate exceeded'],
  Throttling: [400, 'Rate exceeded'],
  TooManyRequestsException: [429, 'Too Many Requests'],
  ServerException: [500, 'Internal error'],
  InternalFailure: [500, 'We encountered an internal error. Please try again.'],
  ServiceUnavailable: [503, 'Service is unable to handle request.'],
  ServiceUnavailableException: [503, 'Service Unavailable'],
  LimitExceededException: [
    400,
    'The operation did not succeed because it would have exceeded a service limit for your account.',
  ],
  ExpiredTokenException: [400, TOKEN_EXPIRED],
  ExpiredToken: [403, TOKEN_EXPIRED],
  InvalidClientTokenId: [403, TOKEN_INVALID],
  UnrecognizedClientException: [400, TOKEN_INVALID],
};

// The error of an injected failure: AccessDenied names the caller and the action as IAM does.
export function injectedError(
  code: string,
  protocol: Protocol,
  ctx: { service: string; op: string; callerArn?: string; resourceArn: string },
): AwsError {
  if (code === 'AccessDeniedException' || code === 'AccessDenied') {
    const action = `${ctx.service}:${ctx.op}`;
    const message = `User: ${ctx.callerArn ?? 'anonymous'} is not authorized to perform: ${action} on resource: ${ctx.resourceArn} because no identity-based policy allows the ${action} action`;
    if (protocol === 'xml') return new AwsError('AccessDenied', 403, 'Access Denied');
    return new AwsError(code, protocol === 'json' ? 400 : 403, message);
  }
  const [status, message] = injectable[code] ?? [400, `${code} (injected by the test)`];
  const restStatus = protocol === 'rest' && code === 'ThrottlingException' ? 429 : status;
  return new AwsError(code, restStatus, message);
}

// Text made safe inside an XML element.
export const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

// Writes the error as the given protocol puts it on the wire.
export function sendError(
  res: ServerResponse,
  protocol: Protocol,
  err: AwsError,
  requestId: string,
  acceptJson = false,
  head = false,
): void {
  let body: string;
  const headers: Record<string, string> = { 'x-amzn-RequestId': requestId };
  if (protocol === 'xml') {
    // S3: <Error> with the code's extra members; a HEAD answer carries no body.
    const extra = Object.entries(err.extra)
      .map(([k, v]) => `<${k}>${xmlEscape(String(v))}</${k}>`)
      .join('');
    const xmlBody = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(err.code)}</Code><Message>${xmlEscape(err.message)}</Message>${extra}<RequestId>${requestId}</RequestId><HostId>${Buffer.from(requestId).toString('base64')}</HostId></Error>`;
    body = head ? '' : xmlBody;
    Object.assign(headers, { 'Content-Type': 'application/xml', 'x-amz-request-id': requestId }, err.headers);
    headers['Content-Length'] = String(Buffer.byteLength(head ? '' : xmlBody));
    res.writeHead(err.status, headers);
    res.end(body);
    return;
  }
  if (protocol === 'json') {
    headers['Content-Type'] = 'application/x-amz-json-1.1';
    body = JSON.stringify({
      __type: err.namespace ? `${err.namespace}#${err.code}` : err.code,
      message: err.message,
      ...err.extra,
    });
  } else if (protocol === 'rest') {
    headers['Content-Type'] = 'application/json';
    headers['x-amzn-ErrorType'] = err.namespace
      ? `${err.code}:http://internal.amazon.com/coral/${err.namespace}/`
      : err.code;
    body = JSON.stringify({ message: err.message, ...err.extra });
  } else if (acceptJson) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify({ Error: { Code: err.code, Message: err.message, Type: err.fault }, RequestId: requestId });
  } else {
    headers['Content-Type'] = 'text/xml';
    body = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <Error>\n    <Type>${err.fault}</Type>\n    <Code>${xmlEscape(err.code)}</Code>\n    <Message>${xmlEscape(err.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`;
  }
  headers['Content-Length'] = String(Buffer.byteLength(body));
  res.writeHead(err.status, headers);
  res.end(body);
}
