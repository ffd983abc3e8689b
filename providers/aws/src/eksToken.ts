// An EKS bearer token exactly as `aws eks get-token` makes it: an STS GetCallerIdentity
// URL presigned with SigV4 (the SDK's signer) with the signed header `x-k8s-aws-id:
// <cluster>` and X-Amz-Expires=60, as `k8s-aws-v1.` + base64url without padding. EKS
// accepts such a token for 15 minutes after signing whatever X-Amz-Expires says; the CLI
// reports it as expiring after 14, and so does this.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { BearerToken } from '@pctl/kube';
import { awsError } from './errors.js';
import type { AwsSdk } from './sdk.js';

export const TOKEN_PREFIX = 'k8s-aws-v1.';
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** How long EKS accepts a token, less the CLI's minute of margin. */
export const TOKEN_LIFETIME_MS = 14 * 60_000;

interface Endpoint {
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
}

const CAPTURED = Symbol('captured');
const endpoints = new WeakMap<AwsSdk, Promise<Endpoint>>();

// Where the STS client sends GetCallerIdentity (regional endpoint, AWS_ENDPOINT_URL_STS, the
// profile's endpoint_url): read from the request the client builds, which is never sent.
function stsEndpoint(sdk: AwsSdk): Promise<Endpoint> {
  let p = endpoints.get(sdk);
  if (!p) {
    p = (async () => {
      const cmd = new sdk.stsModule.GetCallerIdentityCommand({});
      let found: Endpoint | undefined;
      cmd.middlewareStack.add(
        () => async (args) => {
          const r = args.request as HttpRequest;
          found = { protocol: r.protocol, hostname: r.hostname, port: r.port, path: r.path || '/' };
          throw CAPTURED;
        },
        { step: 'build', priority: 'low', name: 'pctlStsEndpoint' },
      );
      try {
        await sdk.sts.send(cmd);
      } catch (e) {
        if (e !== CAPTURED) throw awsError(e, 'STS GetCallerIdentity', `in ${sdk.region}`);
      }
      if (!found) throw new Error('the STS client built no request');
      return found;
    })();
    endpoints.set(sdk, p);
    p.catch(() => endpoints.delete(sdk));
  }
  return p;
}

/** A new bearer token for the EKS cluster `cluster`, signed now. */
export async function eksToken(sdk: AwsSdk, cluster: string, now: Date = new Date()): Promise<BearerToken> {
  const ep = await stsEndpoint(sdk);
  const host = ep.port ? `${ep.hostname}:${ep.port}` : ep.hostname;
  const signer = new SignatureV4({
    credentials: sdk.credentials,
    region: sdk.region,
    service: 'sts',
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  let signed: HttpRequest;
  try {
    signed = (await signer.presign(
      new HttpRequest({
        method: 'GET',
        protocol: ep.protocol,
        hostname: ep.hostname,
        port: ep.port,
        path: ep.path,
        query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
        headers: { host, [CLUSTER_ID_HEADER]: cluster },
      }),
      { expiresIn: 60, signingDate: now },
    )) as HttpRequest;
  } catch (e) {
    throw awsError(e, 'signing an EKS token for', `cluster ${cluster}`);
  }
  const query = Object.entries(signed.query)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([k, v]) => `${encode(k)}=${encode(String(v))}`)
    .join('&');
  const url = `${ep.protocol}//${host}${ep.path}?${query}`;
  return { token: TOKEN_PREFIX + Buffer.from(url).toString('base64url'), expiresAt: now.getTime() + TOKEN_LIFETIME_MS };
}

// The order botocore writes the query in (the signature does not depend on it; the token's bytes do).
const ORDER = [
  'Action',
  'Version',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Security-Token',
  'X-Amz-Signature',
];
const rank = (k: string) => (ORDER.includes(k) ? ORDER.indexOf(k) : ORDER.length - 1);

// RFC 3986 escaping, as SigV4 canonicalises query values.
const encode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
