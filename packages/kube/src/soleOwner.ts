// After pctl applies an object, it is the only owner of the fields it applied. Server-side
// apply removes a field a manager stops setting only when no other manager owns it too; an
// object another tool made (the original pctl's create, kubectl create/edit/replace) keeps
// that tool as co-owner of every field it wrote, so a value the user later drops from the
// stack file (an env var, a port) would stay in the cluster while pctl reports it deployed.
// So the fields pctl applies are taken out of other managers' Update entries, as kubectl
// does when it upgrades client-side apply to server-side apply. Subresource entries (the
// controllers' status, an autoscaler's scale) and fields pctl does not apply stay theirs.
import { PctlError } from '@pctl/core';
import { describeObject, FIELD_MANAGER, type KubeClient } from './client.js';
import type { KubeObject } from './types.js';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsType?: string;
  fieldsV1?: FieldsV1;
  [k: string]: unknown;
}
type FieldsV1 = { [k: string]: FieldsV1 };

const isLeaf = (t: FieldsV1 | undefined) => t !== undefined && Object.keys(t).length === 0;

// `a` without every field `b` owns (a leaf in both goes; a subtree goes when nothing is left).
function subtract(a: FieldsV1, b: FieldsV1): FieldsV1 {
  const out: FieldsV1 = {};
  for (const [k, sub] of Object.entries(a)) {
    const other = b[k];
    if (other === undefined) out[k] = sub;
    else if (isLeaf(sub)) {
      if (!isLeaf(other)) out[k] = sub;
    } else if (!isLeaf(other)) {
      const rest = subtract(sub, other);
      if (Object.keys(rest).length) out[k] = rest;
    } else out[k] = sub;
  }
  return out;
}

/** The managedFields with `manager`'s applied fields taken out of other managers' Update entries; undefined when nothing changes. */
export function withoutCoOwners(
  managedFields: readonly ManagedFieldsEntry[] | undefined,
  manager = FIELD_MANAGER,
): ManagedFieldsEntry[] | undefined {
  const list = managedFields ?? [];
  const mine = list.find((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource)?.fieldsV1;
  if (!mine) return undefined;
  let changed = false;
  const out: ManagedFieldsEntry[] = [];
  for (const e of list) {
    if (e.manager === manager || e.operation !== 'Update' || e.subresource || !e.fieldsV1) {
      out.push(e);
      continue;
    }
    const rest = subtract(e.fieldsV1, mine);
    if (JSON.stringify(rest) === JSON.stringify(e.fieldsV1)) {
      out.push(e);
      continue;
    }
    changed = true;
    if (Object.keys(rest).length) out.push({ ...e, fieldsV1: rest });
  }
  return changed ? out : undefined;
}

/**
 * Makes pctl the only owner of what it applied to `applied` (the apply's answer). One
 * request when another manager shared fields, none otherwise; a write in between (a
 * controller's status) is met by reading again (the write names the resourceVersion it read).
 */
export async function claimAppliedFields(client: KubeClient, applied: KubeObject): Promise<void> {
  let current: KubeObject | undefined = applied;
  for (let attempt = 0; attempt < 5 && current; attempt++) {
    const next = withoutCoOwners(current.metadata.managedFields as ManagedFieldsEntry[] | undefined);
    if (!next) return;
    try {
      await client.setManagedFields(current, next);
      return;
    } catch (e) {
      if ((e as PctlError).code !== 'KubeConflict') throw e;
      current = await client.read(current);
    }
  }
  if (current)
    throw new PctlError({
      code: 'KubeConflict',
      message: `taking sole ownership of ${describeObject(applied)}: it kept changing`,
      fault: 'environment',
      exitCode: 1,
      hint: 'deploy again',
    });
}
