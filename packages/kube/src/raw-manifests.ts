// A service's raw manifests as they are applied: `pctl://name` references replaced by the
// images they name, pctl's labels and annotations merged into each object's metadata, and
// the service's namespace given to namespaced objects that name none.
import { PctlError } from '@pctl/core';
import { isNamespaced } from './manifests.js';
import type { KubeObject } from './types.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const PCTL_REF = /^pctl:\/\/([A-Za-z0-9][A-Za-z0-9._-]*)$/;

/** One raw manifest object, resolved and labelled for the service. */
export function labelManifest(
  m: KubeObject,
  p: {
    namespace: string;
    images?: Record<string, string>;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  },
): KubeObject {
  const where = `${m.kind}/${m.metadata?.name ?? '?'}`;
  const images = p.images ?? {};
  const resolve = (v: Json, key: string | undefined): Json => {
    if (typeof v === 'string') {
      const ref = PCTL_REF.exec(v);
      if (ref) {
        const name = ref[1]!;
        const img = Object.prototype.hasOwnProperty.call(images, name) ? images[name] : undefined;
        if (img === undefined) {
          const known = Object.keys(images).sort();
          throw new PctlError({
            code: 'InvalidConfig',
            fault: 'user',
            message: `manifest ${where} refers to unknown image pctl://${name}`,
            hint:
              known.length > 0
                ? `known: ${known.map((k) => `pctl://${k}`).join(', ')}`
                : 'no pctl images are known for this stack',
          });
        }
        return img;
      }
      if (key === 'image' && v.startsWith('pctl://')) {
        throw new PctlError({
          code: 'InvalidConfig',
          fault: 'user',
          message: `manifest ${where} has an invalid image reference "${v}": expected pctl://<service>`,
        });
      }
      return v;
    }
    if (Array.isArray(v)) return v.map((x) => resolve(x, undefined));
    if (v !== null && typeof v === 'object') {
      const o: { [k: string]: Json } = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = resolve(x, k);
      return o;
    }
    return v;
  };
  const obj = resolve(structuredClone(m) as unknown as Json, undefined) as unknown as KubeObject;
  const metadata = { ...(obj.metadata ?? {}) } as KubeObject['metadata'];
  const ns = isNamespaced(obj.kind) && metadata.namespace === undefined ? { namespace: p.namespace } : {};
  obj.metadata = {
    ...metadata,
    ...ns,
    labels: { ...(metadata.labels ?? {}), ...p.labels },
    annotations: { ...(metadata.annotations ?? {}), ...p.annotations },
  };
  return obj;
}
