// The validation a deployer is most likely to trip over: names, labels, selectors, required workload fields.
import { invalid, type FieldError } from './errors.js';
import { structuredSelector } from './selectors.js';
import type { ResourceType } from './resources.js';
import type { KubeObject } from './store.js';

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const labelName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const labelNamedKinds = new Set(['Namespace', 'Service']);

function checkName(t: ResourceType, name: string, errs: FieldError[]): void {
  if (labelNamedKinds.has(t.kind)) {
    if (name.length > 63 || !dns1123Label.test(name)) {
      errs.push({
        type: 'FieldValueInvalid',
        field: 'metadata.name',
        message: `"${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      });
    }
  } else if (name.length > 253 || !dns1123Subdomain.test(name)) {
    errs.push({
      type: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `"${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    });
  }
}

function checkLabels(labels: Record<string, unknown> | undefined, field: string, errs: FieldError[]): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    const [prefix, name] = k.includes('/') ? [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)] : ['', k];
    if ((prefix && !dns1123Subdomain.test(prefix)) || name.length > 63 || !labelName.test(name)) {
      errs.push({
        type: 'FieldValueInvalid',
        field,
        message: `"${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      });
    }
    if (typeof v !== 'string' || v.length > 63 || !labelValue.test(v)) {
      errs.push({
        type: 'FieldValueInvalid',
        field: `${field}`,
        message: `"${String(v)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, and must be no more than 63 characters`,
      });
    }
  }
}

function checkPodSpec(spec: Record<string, any> | undefined, field: string, errs: FieldError[]): void {
  const containers = spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    errs.push({ type: 'FieldValueRequired', field: `${field}.containers`, message: 'Required value' });
    return;
  }
  const seen = new Set<string>();
  containers.forEach((c: Record<string, any>, i: number) => {
    if (!c.name)
      errs.push({ type: 'FieldValueRequired', field: `${field}.containers[${i}].name`, message: 'Required value' });
    else if (seen.has(c.name))
      errs.push({ type: 'FieldValueDuplicate', field: `${field}.containers[${i}].name`, message: `"${c.name}"` });
    else seen.add(c.name);
    if (!c.image)
      errs.push({ type: 'FieldValueRequired', field: `${field}.containers[${i}].image`, message: 'Required value' });
  });
}

/** Throws 422 Invalid when the object would be rejected by a real server. */
export function validate(t: ResourceType, obj: KubeObject): void {
  const errs: FieldError[] = [];
  const name = obj.metadata.name ?? '';
  checkName(t, name, errs);
  checkLabels(obj.metadata.labels, 'metadata.labels', errs);
  const spec = obj.spec;
  switch (t.kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet': {
      if (typeof spec?.replicas === 'number' && spec.replicas < 0) {
        errs.push({
          type: 'FieldValueInvalid',
          field: 'spec.replicas',
          message: `${spec.replicas}: must be greater than or equal to 0`,
        });
      }
      const sel = spec?.selector;
      if (!sel || (!sel.matchLabels && !sel.matchExpressions)) {
        errs.push({ type: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' });
      } else if (!structuredSelector(sel)(spec?.template?.metadata?.labels ?? {})) {
        errs.push({
          type: 'FieldValueInvalid',
          field: 'spec.template.metadata.labels',
          message: `${JSON.stringify(spec?.template?.metadata?.labels ?? {})}: \`selector\` does not match template \`labels\``,
        });
      }
      checkLabels(spec?.template?.metadata?.labels, 'spec.template.metadata.labels', errs);
      checkPodSpec(spec?.template?.spec, 'spec.template.spec', errs);
      break;
    }
    case 'Pod':
      checkPodSpec(spec, 'spec', errs);
      break;
    case 'Service':
      for (const [i, p] of ((spec?.ports ?? []) as Record<string, any>[]).entries()) {
        if (typeof p.port !== 'number' || p.port < 1 || p.port > 65535) {
          errs.push({
            type: 'FieldValueInvalid',
            field: `spec.ports[${i}].port`,
            message: `${String(p.port)}: must be between 1 and 65535, inclusive`,
          });
        }
      }
      break;
  }
  if (errs.length > 0) throw invalid({ group: t.group, kind: t.kind }, name, errs);
}

/** Immutable fields on update. */
export function validateUpdate(t: ResourceType, old: KubeObject, next: KubeObject): void {
  const errs: FieldError[] = [];
  if (
    (t.kind === 'Deployment' || t.kind === 'ReplicaSet' || t.kind === 'StatefulSet' || t.kind === 'DaemonSet') &&
    JSON.stringify(old.spec?.selector) !== JSON.stringify(next.spec?.selector)
  ) {
    errs.push({
      type: 'FieldValueInvalid',
      field: 'spec.selector',
      message: `${JSON.stringify(next.spec?.selector)}: field is immutable`,
    });
  }
  if (t.kind === 'Service' && old.spec?.clusterIP && next.spec?.clusterIP !== old.spec.clusterIP) {
    errs.push({
      type: 'FieldValueInvalid',
      field: 'spec.clusterIPs[0]',
      message: `${JSON.stringify(next.spec?.clusterIP)}: may not change once set`,
    });
  }
  if (
    (t.kind === 'Secret' || t.kind === 'ConfigMap') &&
    old.immutable === true &&
    (JSON.stringify(old.data) !== JSON.stringify(next.data) ||
      JSON.stringify(old.binaryData) !== JSON.stringify(next.binaryData))
  ) {
    errs.push({ type: 'FieldValueForbidden', field: 'data', message: 'field is immutable when `immutable` is set' });
  }
  if (
    t.kind === 'PersistentVolumeClaim' &&
    JSON.stringify({ ...old.spec, resources: undefined, volumeName: undefined }) !==
      JSON.stringify({ ...next.spec, resources: undefined, volumeName: undefined })
  ) {
    errs.push({
      type: 'FieldValueForbidden',
      field: 'spec',
      message:
        'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    });
  }
  if (errs.length > 0) throw invalid({ group: t.group, kind: t.kind }, next.metadata.name ?? '', errs);
}
