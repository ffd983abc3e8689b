// `pctl://<service>` in an image or an env value: what plan would refuse (a name with no
// service, a service with no image of its own, a chain or cycle of references) is found
// while validating, with the line.
import type { ServiceConfig } from './schema.js';

const SCHEME = 'pctl://';

export interface ImageRefIssue {
  path: (string | number)[];
  message: string;
}

// Every pctl:// reference of the stack that cannot resolve to an image; `shown` quotes a
// value at a path (never a secret's).
export function imageRefIssues(
  services: Record<string, ServiceConfig>,
  shown: (p: (string | number)[], v: unknown) => string,
): ImageRefIssue[] {
  // A service has an image of its own when it builds one or names one that is not a reference.
  const own = (name: string) => {
    const s = services[name];
    return s !== undefined && (s.build !== undefined || (s.image !== undefined && !s.image.startsWith(SCHEME)));
  };
  const withImages = Object.keys(services).filter(own);
  const check = (value: string, path: (string | number)[]): ImageRefIssue[] => {
    if (!value.startsWith(SCHEME)) return [];
    const target = value.slice(SCHEME.length);
    if (own(target)) return [];
    const other = services[target];
    const why = other?.image?.startsWith(SCHEME)
      ? `names service "${target}", whose image is itself a reference (${shown(['services', target, 'image'], other.image)}): references do not chain`
      : other
        ? `names service "${target}", which has no image of its own`
        : `names no service`;
    return [
      { path, message: `${shown(path, value)} ${why} (services with an image: ${withImages.join(', ') || 'none'})` },
    ];
  };
  return Object.entries(services).flatMap(([name, svc]) => [
    ...(svc.image !== undefined && svc.build === undefined ? check(svc.image, ['services', name, 'image']) : []),
    ...Object.entries(svc.env ?? {}).flatMap(([k, v]) => check(v, ['services', name, 'env', k])),
  ]);
}
