// Filestore storage as the original pctl wrote it (`{ name: filestore, id }`, no address):
// a bare instance name is in the cluster's zone, and at deploy the instance's address (and
// its file share, unless `share` names one) is read from the Filestore API, because the
// Filestore CSI driver mounts by address. An `id` that is the address needs neither.
import { Events, PctlError, type ProviderContext } from '@pctl/core';
import { filestoreParts, isFilestoreAddress } from '@pctl/kube';
import { defaultTokenSource, googleGet } from './google.js';
import type { GcpOptions } from './options.js';

type Filestore = Extract<NonNullable<GcpOptions['storage']>, { name: 'filestore' }>;
const filestoreOf = (o: GcpOptions): Filestore | undefined =>
  o.storage && (o.storage as { name?: string }).name === 'filestore' ? (o.storage as Filestore) : undefined;

/** `{ name: filestore, id: files }` → `id: <zone>/files` (an address stays as it is). */
export function placeFilestore(o: GcpOptions): GcpOptions {
  const fs = filestoreOf(o);
  return fs && !fs.id.includes('/') && !isFilestoreAddress(fs.id)
    ? { ...o, storage: { ...fs, id: `${o.zone}/${fs.id}` } }
    : o;
}

/** The Filestore API base, ending in `/`: gcloud's override variable, else Google's. */
function fileEndpoint(): string {
  const base = process.env.CLOUDSDK_API_ENDPOINT_OVERRIDES_FILE ?? 'https://file.googleapis.com/';
  return base.endsWith('/') ? base : `${base}/`;
}

interface Instance {
  networks?: { ipAddresses?: string[] }[];
  fileShares?: { name?: string }[];
}

/** The options with the Filestore instance's address (and share) filled in from the Filestore API. */
export async function completeFilestore(ctx: ProviderContext, o: GcpOptions, key: string): Promise<GcpOptions> {
  const fs = filestoreOf(o);
  if (!fs || fs.ip || isFilestoreAddress(fs.id)) return o;
  const { location, instance, share: handleShare, project = o.project } = filestoreParts(fs.id);
  const resource = `projects/${project}/locations/${location}/instances/${instance}`;
  const token = await (await defaultTokenSource()).token();
  const got = await googleGet<Instance>(
    `${fileEndpoint()}v1/${resource}`,
    token,
    'Filestore instances.get',
    resource,
    {
      403: 'the credentials need file.instances.get on the project (e.g. roles/file.viewer), or give provider.options.storage.ip',
      404: `check provider.options.storage.id (gcloud filestore instances list --project ${project})`,
    },
    ctx.signal,
    'CLOUDSDK_API_ENDPOINT_OVERRIDES_FILE',
  );
  const ip = got.networks?.[0]?.ipAddresses?.find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a));
  if (!ip)
    throw new PctlError({
      code: 'GcpApiError',
      message: `Filestore instances.get ${resource}: the instance reports no IPv4 address`,
      fault: 'environment',
      exitCode: 1,
      hint: 'give provider.options.storage.ip',
    });
  const share = fs.share ?? handleShare ?? got.fileShares?.[0]?.name;
  ctx.reporter.info(`Filestore ${resource} is at ${ip}${share ? `, share ${share}` : ''}`, key, Events.FilestoreFound);
  return { ...o, storage: { ...fs, ip, ...(share ? { share } : {}) } };
}
