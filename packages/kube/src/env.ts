// A service's `env` on Kubernetes: plain values in the Deployment, values from
// secret-bearing resolvers (${env:…}, ${file:…}, ${ssm:…}, custom) in the Secret
// `<stack>-<service>-env`, taken by `secretKeyRef`, so reading the Deployment never shows
// them. The pod template carries a slow salted hash of the Secret's content: pods roll
// when a secret changes, and the annotation does not give the value away.
import { scryptSync } from 'node:crypto';

/** Annotation on the pod template: scrypt hash of the env Secret's content. */
export const ENV_SECRET_HASH_ANNOTATION = 'pctl/env-secret-hash';
/** Annotation `pctl render` puts on the env Secret instead of its data. */
export const REDACTED_ANNOTATION = 'pctl/redacted';

/** A container env entry: a value, or a reference to the env Secret. */
export type EnvVar =
  | { name: string; value: string }
  | { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } };

/** The env of a service split in what the Deployment shows and what goes into the Secret. */
export interface ServiceEnv {
  /** Container env, sorted by name. */
  env: EnvVar[];
  /** Secret values by env name (empty when none is secret). */
  secretData: Record<string, string>;
}

/** Whether a value holds (all or part of) a resolved secret. */
export function holdsSecret(value: string, secrets: readonly string[]): boolean {
  return secrets.some((s) => s !== '' && value.includes(s));
}

/** Splits `env` by `secrets` (the resolved secret values the core's loader collected). */
export function splitEnv(
  env: Record<string, unknown> | undefined,
  secrets: readonly string[],
  secretName: string,
): ServiceEnv {
  const out: ServiceEnv = { env: [], secretData: {} };
  for (const name of Object.keys(env ?? {}).sort()) {
    const value = String(env![name]);
    if (holdsSecret(value, secrets)) {
      out.secretData[name] = value;
      out.env.push({ name, valueFrom: { secretKeyRef: { name: secretName, key: name } } });
    } else out.env.push({ name, value });
  }
  return out;
}

/**
 * The hash of the env Secret's content for the pod template: scrypt (salted with the
 * service key, so equal secrets of two services hash apart) over the sorted entries.
 */
export function secretContentHash(key: string, data: Record<string, string>): string {
  const text = JSON.stringify(
    Object.keys(data)
      .sort()
      .map((k) => [k, data[k]]),
  );
  return scryptSync(text, `pctl-env-secret:${key}`, 16, { N: 16384, r: 8, p: 1 }).toString('hex');
}

/** The Secret's `data` (base64), or none and a note naming the keys when rendering for people to read. */
export function secretBody(
  data: Record<string, string>,
  redact: boolean,
): { data?: Record<string, string>; note?: string } {
  if (redact)
    return { note: `values of ${Object.keys(data).sort().join(', ')} left out: pctl render never shows secrets` };
  return {
    data: Object.fromEntries(
      Object.keys(data)
        .sort()
        .map((k) => [k, Buffer.from(data[k]!, 'utf8').toString('base64')]),
    ),
  };
}
