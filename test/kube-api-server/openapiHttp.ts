// Serving the OpenAPI documents: /openapi/v2 (JSON or gnostic protobuf) and /openapi/v3 with its per-group-version documents.
import type { ServerResponse } from 'node:http';
import { openApiV2, openApiV3, openApiV3Index } from './openapi.js';
import { encodeOpenApiV2, OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_ACCEPTED } from './openapiProtobuf.js';
import { pathNotFound, send } from './respond.js';

/** Whether the Accept header puts gnostic's protobuf before any JSON (client-go's OpenAPISchema() asks for nothing else). */
export function prefersOpenApiV2Protobuf(accept: string | undefined): boolean {
  const types = (accept ?? '').split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  const pb = types.findIndex((t) => OPENAPI_V2_PROTOBUF_ACCEPTED.includes(t));
  const json = types.findIndex((t) => t === 'application/json' || t === '*/*' || t === 'application/*');
  return pb >= 0 && (json < 0 || pb < json);
}

let openApiV2Protobuf: Buffer | undefined;

/** The Swagger 2.0 document in protobuf, encoded once per process. */
export function sendOpenApiV2Protobuf(res: ServerResponse): void {
  openApiV2Protobuf ??= encodeOpenApiV2(openApiV2());
  res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF, 'Content-Length': openApiV2Protobuf.length });
  res.end(openApiV2Protobuf);
}

/** /openapi/v2, /openapi/v3 and /openapi/v3/<group version>; a stale `hash` is redirected to the current one, as kube-apiserver does. */
export function serveOpenApi(res: ServerResponse, rest: string, hash: string | null): void {
  if (rest === 'v2') return send(res, 200, openApiV2());
  if (rest === 'v3') return send(res, 200, openApiV3Index());
  const gv = rest.startsWith('v3/') ? openApiV3(rest.slice(3)) : undefined;
  if (!gv) throw pathNotFound();
  if (hash !== null && hash !== gv.hash) {
    res.writeHead(301, { Location: `/openapi/${rest}?hash=${gv.hash}`, 'Content-Length': 0 });
    res.end();
    return;
  }
  res.setHeader('Cache-Control', hash === null ? 'no-cache, private' : 'public, immutable');
  res.setHeader('Etag', `"${gv.hash}"`);
  send(res, 200, gv.doc);
}
