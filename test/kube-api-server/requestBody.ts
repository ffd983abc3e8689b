// Request bodies and content negotiation: JSON, YAML and Kubernetes protobuf in; JSON out, or 406 for a client that takes nothing else.
import type { IncomingMessage } from 'node:http';
import yaml from 'js-yaml';
import type { PatchType } from './cluster.js';
import { ApiError, badRequest, unsupportedMediaType } from './errors.js';
import { decodeKubernetesProtobuf } from './protobuf.js';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** The whole request body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The body as an object: JSON or YAML text, or protobuf for the built-in kinds (`expectedKind` names the type in errors). */
export function parseBody(body: Buffer, contentType: string, expectedKind: string): unknown {
  if (contentType.startsWith(PROTOBUF))
    return body.length === 0 ? undefined : decodeKubernetesProtobuf(body, expectedKind);
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    if (contentType.includes('yaml')) return yaml.load(text);
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest(`error decoding ${contentType.includes('yaml') ? 'YAML' : 'JSON'}: ${(e as Error).message}`);
  }
}

/** The patch type a PATCH's Content-Type names; 415 for anything else (protobuf included, as on a real server). */
export function patchTypeOf(contentType: string): PatchType {
  if (contentType.startsWith('application/json-patch+json')) return 'json';
  if (contentType.startsWith('application/merge-patch+json')) return 'merge';
  if (contentType.startsWith('application/strategic-merge-patch+json')) return 'strategic';
  if (contentType.startsWith('application/apply-patch+yaml') || contentType.startsWith('application/apply-patch+json'))
    return 'apply';
  throw unsupportedMediaType(contentType);
}

/** Whether an Accept header takes JSON (the only thing this server writes); absent means anything. */
export function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const type = part.split(';')[0].trim().toLowerCase();
    return type === 'application/json' || type === 'application/*' || type === '*/*' || type === '';
  });
}

/** 406 as the real server words it, for a client that accepts only media types this server does not write. */
export function notAcceptable(): ApiError {
  return new ApiError(406, 'NotAcceptable', 'only the following media types are accepted: application/json');
}
