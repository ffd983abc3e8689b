// `--state URL` / `PCTL_STATE`: where the state lives, as one string. `s3://bucket/key`
// (options as query: region, endpoint, usePathStyle), `gs://bucket/object` (endpoint),
// `kubernetes://namespace?context=name`
// (or `k8s://`; both parts optional: the context may hold any character, so it is a query
// option, not the host), a file path or `file://` URL for the local backend. Checked with the stack file's `state:` schema: one rule for both.
import { PctlError } from '../../errors.js';
import { StateConfigSchema, type StateConfig } from '../../config/stateSchema.js';

const S3_OPTIONS = new Set(['region', 'endpoint', 'usePathStyle']);
const GCS_OPTIONS = new Set(['endpoint']);
const KUBE_OPTIONS = new Set(['context']);

const bad = (url: string, why: string, hint: string) =>
  new PctlError({
    code: 'StateUrlInvalid',
    message: `--state / PCTL_STATE ${JSON.stringify(url)}: ${why}`,
    fault: 'user',
    exitCode: 2,
    hint,
  });

// The state configuration a URL names; a BadUsage-like StateUrlInvalid error for anything else.
export function parseStateUrl(url: string): StateConfig {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') {
    const file = scheme === 'file' ? decodeURIComponent(url.slice('file://'.length)) : url;
    if (!file) throw bad(url, 'no file path', 'name a file, e.g. --state ./pctl.shop.json');
    return { backend: 'local', path: file };
  }
  if (scheme === 'kubernetes' || scheme === 'k8s') return parseKubernetesUrl(url);
  if (scheme === 'gs' || scheme === 'gcs') return parseGsUrl(url);
  if (scheme !== 's3')
    throw bad(
      url,
      `unknown scheme ${scheme}://`,
      'use s3://bucket/key, gs://bucket/object, kubernetes://namespace or a file path',
    );
  const m = /^s3:\/\/([^/?#]*)\/?([^?#]*)(?:\?([^#]*))?$/i.exec(url);
  if (!m) throw bad(url, 'not an s3://bucket/key URL', 'write it as s3://bucket/key?region=eu-west-1');
  const raw: Record<string, unknown> = { backend: 's3', bucket: m[1] };
  if (m[2]) raw.key = decodeURIComponent(m[2]);
  for (const [k, v] of new URLSearchParams(m[3] ?? '')) {
    if (!S3_OPTIONS.has(k)) throw bad(url, `unknown option ${k}`, `s3 URLs take ${[...S3_OPTIONS].join(', ')}`);
    if (k === 'usePathStyle') {
      if (v !== 'true' && v !== 'false') throw bad(url, 'usePathStyle must be true or false', 'usePathStyle=true');
      raw[k] = v === 'true';
    } else raw[k] = v;
  }
  const parsed = StateConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw bad(url, `${i.path.join('.') || 'url'}: ${i.message}`, 'write it as s3://bucket/key?region=eu-west-1');
  }
  return parsed.data;
}

// `kubernetes://namespace?context=name`: the Secret pctl-state-<stack> and its Lease there.
function parseKubernetesUrl(url: string): StateConfig {
  const hint = 'write it as kubernetes://namespace?context=kind-dev';
  const m = /^(?:kubernetes|k8s):\/\/([^/?#]*)\/?(?:\?([^#]*))?$/i.exec(url);
  if (!m) throw bad(url, 'not a kubernetes://namespace URL (the Secret is always pctl-state-<stack>)', hint);
  const raw: Record<string, unknown> = { backend: 'kubernetes' };
  if (m[1]) raw.namespace = decodeURIComponent(m[1]);
  for (const [k, v] of new URLSearchParams(m[2] ?? '')) {
    if (!KUBE_OPTIONS.has(k))
      throw bad(url, `unknown option ${k}`, `kubernetes URLs take ${[...KUBE_OPTIONS].join(', ')}`);
    raw[k] = v;
  }
  const parsed = StateConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw bad(url, `${i.path.join('.') || 'url'}: ${i.message}`, hint);
  }
  return parsed.data;
}

// `gs://bucket/object?endpoint=...`: the gcs backend.
function parseGsUrl(url: string): StateConfig {
  const m = /^(?:gs|gcs):\/\/([^/?#]*)\/?([^?#]*)(?:\?([^#]*))?$/i.exec(url);
  if (!m) throw bad(url, 'not a gs://bucket/object URL', 'write it as gs://bucket/shop/pctl.shop.json');
  const raw: Record<string, unknown> = { backend: 'gcs', bucket: m[1] };
  if (m[2]) raw.object = decodeURIComponent(m[2]);
  for (const [k, v] of new URLSearchParams(m[3] ?? '')) {
    if (!GCS_OPTIONS.has(k)) throw bad(url, `unknown option ${k}`, `gs URLs take ${[...GCS_OPTIONS].join(', ')}`);
    raw[k] = v;
  }
  const parsed = StateConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw bad(url, `${i.path.join('.') || 'url'}: ${i.message}`, 'write it as gs://bucket/shop/pctl.shop.json');
  }
  return parsed.data;
}
