// Writes the OpenAPI definitions and protobuf message tables the test server serves and decodes,
// from the upstream sources of the Kubernetes version it reports (see README.md beside this file).
// Usage: node generate.mjs <swagger.json> <k8s.io/api checkout> <k8s.io/apimachinery checkout>
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [swaggerPath, apiDir, machineryDir] = process.argv.slice(2);
if (!swaggerPath || !apiDir || !machineryDir) {
  console.error('usage: node generate.mjs <swagger.json> <k8s.io/api checkout> <k8s.io/apimachinery checkout>');
  process.exit(2);
}

// The kinds resources.ts serves, read from its table so the two cannot drift apart.
const served = [
  ...readFileSync(join(here, '..', 'resources.ts'), 'utf8').matchAll(/^\s*r\('([^']*)', '(\w+)', '(\w+)'/gm),
].map(([, group, version, kind]) => ({ group, version, kind }));
// Request bodies that are not served kinds: DeleteOptions, and Scale for the scale subresource.
const extraRoots = {
  openapi: [
    'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
    'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
    'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent',
    'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
    'io.k8s.api.autoscaling.v1.Scale',
  ],
  proto: [
    'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions',
    'k8s.io.api.autoscaling.v1.Scale',
    'k8s.io.apimachinery.pkg.runtime.Unknown',
  ],
};

function closure(roots, children) {
  const seen = new Set();
  const visit = (n) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const c of children(n)) visit(c);
  };
  roots.forEach(visit);
  return [...seen].sort();
}

// One entry per line: diffs of a regenerated file stay readable.
function writeLines(file, entries) {
  const lines = entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  writeFileSync(join(here, file), `{\n${lines.join(',\n')}\n}\n`);
  console.log(`${file}: ${entries.length} entries`);
}

// --- OpenAPI: the definitions reachable from the served kinds (and their lists).
const swagger = JSON.parse(readFileSync(swaggerPath, 'utf8'));
const defs = swagger.definitions;
const isServed = (g) =>
  served.some(
    (s) => s.group === g.group && s.version === g.version && (s.kind === g.kind || `${s.kind}List` === g.kind),
  );
const openapiRoots = [
  ...Object.keys(defs).filter((n) => (defs[n]['x-kubernetes-group-version-kind'] ?? []).some(isServed)),
  ...extraRoots.openapi,
];
const refsIn = (x, out = []) => {
  if (Array.isArray(x)) x.forEach((v) => refsIn(v, out));
  else if (x && typeof x === 'object')
    for (const [k, v] of Object.entries(x)) k === '$ref' ? out.push(v.split('/').pop()) : refsIn(v, out);
  return out;
};
const defNames = closure(openapiRoots, (n) => refsIn(defs[n]));
writeLines(
  'openapi-definitions.json',
  defNames.map((n) => [n, defs[n]]),
);

// --- Protobuf: messages from generated.proto, with the JSON facts (name, omitempty, pointer, inline) from types.go.
const protoFiles = [
  ...new Set(
    served.map(
      ({ group, version }) =>
        `${({ '': 'core' })[group] ?? group.replace(/\.k8s\.io$/, '').replace(/\.authorization$/, '')}/${version}`,
    ),
  ),
  'autoscaling/v1',
].map((gv) => ({ proto: join(apiDir, gv, 'generated.proto'), types: [join(apiDir, gv, 'types.go')] }));
protoFiles.push(
  {
    proto: join(machineryDir, 'pkg/apis/meta/v1/generated.proto'),
    types: [join(machineryDir, 'pkg/apis/meta/v1/types.go')],
  },
  { proto: join(machineryDir, 'pkg/runtime/generated.proto'), types: [] },
  { proto: join(machineryDir, 'pkg/runtime/schema/generated.proto'), types: [] },
  { proto: join(machineryDir, 'pkg/util/intstr/generated.proto'), types: [] },
  { proto: join(machineryDir, 'pkg/api/resource/generated.proto'), types: [] },
);

const messages = {};
for (const { proto, types } of protoFiles) {
  const text = readFileSync(proto, 'utf8').replace(/\/\/.*$/gm, '');
  const pkg = /package\s+([\w.]+);/.exec(text)[1];
  // Go struct facts, keyed by struct and protobuf field name.
  const goFields = {};
  for (const file of types) {
    let struct;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const open = /^type (\w+) struct \{/.exec(line);
      if (open) struct = open[1];
      if (/^\}/.test(line)) struct = undefined;
      if (!struct) continue;
      const m = /^\s*(?:(\w+)\s+)?(\*?)([\w.[\]*]+)\s+`json:"([^"]*)"(?:\s+protobuf:"([^"]*)")?/.exec(line);
      if (!m || !m[5]) continue;
      const [, fieldName, ptr, goType, jsonTag, pbTag] = m;
      const [jsonName, ...opts] = jsonTag.split(',');
      const pbName = /name=(\w+)/.exec(pbTag)?.[1] ?? goType.replace(/^.*\./, '').replace(/^./, (c) => c.toLowerCase());
      (goFields[struct] ??= {})[pbName] = {
        json: jsonName,
        inline: opts.includes('inline') || (!fieldName && jsonName === ''),
        omitempty: opts.includes('omitempty'),
        pointer: ptr === '*',
        sliceOrMap: /^(\[\]|map\[)/.test(goType),
      };
    }
  }
  const qualify = (t) =>
    t.startsWith('.')
      ? t.slice(1)
      : /^(string|bool|bytes|int32|int64|uint32|uint64|double|float|sint32|sint64|fixed32|fixed64)$/.test(t)
        ? t
        : `${pkg}.${t}`;
  for (const [, name, body] of text.matchAll(/message (\w+) \{([^}]*)\}/g)) {
    const fields = [];
    for (const line of body.split('\n')) {
      const f = /^\s*(optional|repeated)\s+([.\w]+)\s+(\w+)\s*=\s*(\d+)/.exec(line);
      const mp = /^\s*map<\s*([.\w]+)\s*,\s*([.\w]+)\s*>\s+(\w+)\s*=\s*(\d+)/.exec(line);
      if (!f && !mp) continue;
      const pbName = f ? f[3] : mp[3];
      const go = goFields[name]?.[pbName];
      let flags = '';
      if (f?.[1] === 'repeated') flags += 'r';
      if (mp) flags += 'm';
      if (go?.inline) flags += 'i';
      // A non-pointer omitempty value is left out of the JSON when it is the zero value, as Go's encoder does.
      if (go && go.omitempty && !go.pointer) flags += 'o';
      fields.push([
        Number(f ? f[4] : mp[4]),
        go?.json && go.json !== '-' ? go.json : pbName,
        f ? qualify(f[2]) : [qualify(mp[1]), qualify(mp[2])],
        flags,
      ]);
    }
    messages[`${pkg}.${name}`] = fields;
  }
}
const groupPackage = (group, version) =>
  `k8s.io.api.${({ '': 'core', 'rbac.authorization.k8s.io': 'rbac' })[group] ?? group.replace(/\.k8s\.io$/, '')}.${version}`;
const protoRoots = [...served.map((s) => `${groupPackage(s.group, s.version)}.${s.kind}`), ...extraRoots.proto];
for (const r of protoRoots) if (!messages[r]) throw new Error(`no protobuf message ${r}`);
const typeRefs = (n) =>
  (messages[n] ?? []).flatMap(([, , t]) => (Array.isArray(t) ? t : [t])).filter((t) => messages[t]);
const messageNames = closure(protoRoots, typeRefs);
writeLines(
  'protobuf-messages.json',
  messageNames.map((n) => [n, messages[n]]),
);
