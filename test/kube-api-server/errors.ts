// Errors returned as `Status` objects with the reasons and codes a real kube-apiserver uses.
import { qualifiedResource, type ResourceType } from './resources.js';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** An API error; `toStatus()` is the body the server sends. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): object {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

function detailsFor(t: ResourceType, name: string): StatusDetails {
  return { name, ...(t.group ? { group: t.group } : {}), kind: t.plural };
}

export const notFound = (t: ResourceType, name: string): ApiError =>
  new ApiError(404, 'NotFound', `${qualifiedResource(t)} "${name}" not found`, detailsFor(t, name));

export const alreadyExists = (t: ResourceType, name: string): ApiError =>
  new ApiError(409, 'AlreadyExists', `${qualifiedResource(t)} "${name}" already exists`, detailsFor(t, name));

export const conflict = (t: ResourceType, name: string, why: string): ApiError =>
  new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(t)} "${name}": ${why}`,
    detailsFor(t, name),
  );

export const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequest', message);

export const forbidden = (t: ResourceType, name: string, why: string, causes?: StatusCause[]): ApiError =>
  new ApiError(403, 'Forbidden', `${qualifiedResource(t)} "${name}" is forbidden: ${why}`, {
    ...detailsFor(t, name),
    ...(causes ? { causes } : {}),
  });

export const methodNotAllowed = (
  message = 'the server does not allow this method on the requested resource',
): ApiError => new ApiError(405, 'MethodNotAllowed', message, {});

export const unsupportedMediaType = (type: string): ApiError =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/apply-patch+yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${type})`,
  );

export interface FieldError {
  type:
    | 'FieldValueRequired'
    | 'FieldValueInvalid'
    | 'FieldValueForbidden'
    | 'FieldValueNotSupported'
    | 'FieldValueDuplicate';
  field: string;
  message: string;
}

const fieldErrorText: Record<FieldError['type'], string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueForbidden: 'Forbidden',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
};

/** 422 Invalid, formatted like `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be ...`. */
export function invalid(groupKind: { group: string; kind: string }, name: string, errors: FieldError[]): ApiError {
  const gk = groupKind.group ? `${groupKind.kind}.${groupKind.group}` : groupKind.kind;
  const parts = errors.map((e) => `${e.field}: ${fieldErrorText[e.type]}: ${e.message}`);
  const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${gk} "${name}" is invalid: ${list}`, {
    name,
    ...(groupKind.group ? { group: groupKind.group } : {}),
    kind: groupKind.kind,
    causes: errors.map((e) => ({ reason: e.type, message: `${fieldErrorText[e.type]}: ${e.message}`, field: e.field })),
  });
}

export const unauthorized = (): ApiError => new ApiError(401, 'Unauthorized', 'Unauthorized');

export const gone = (message: string): ApiError => new ApiError(410, 'Expired', message);
