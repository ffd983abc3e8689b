// Writing answers: JSON bodies with the headers kube-apiserver sends, and the Status of an unknown path.
import type { ServerResponse } from 'node:http';
import { ApiError } from './errors.js';

/** A JSON answer. */
export function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Audit-Id': crypto.randomUUID(),
  });
  res.end(text);
}

/** 404 for a path no resource or document lives at. */
export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}
