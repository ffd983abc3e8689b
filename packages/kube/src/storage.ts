// The storage of a service with `volumes`, from `provider.options.storage`: a claim on the
// cluster's disks (`{size}`), an NFS export (`{size, nfs}`), an EFS file system
// (`{name: efs, id}`, aws) or a Filestore share (`{name: filestore, id, ip?}`, gcp; an `id`
// that is the instance's address is mounted over NFS, as the original pctl did). Network
// file systems get a PersistentVolume bound to a ReadWriteMany claim; the StorageClass EFS
// needs (`efs-sc`), and `gp3` for EBS disks on aws, are shared by every stack of the
// cluster: created when missing, never taken over, removed when no volume uses them.
import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { PctlError } from '@pctl/core';
import type { KubeObject } from './kubeObject.js';

/** Annotation marking a cluster object pctl shares between stacks (a StorageClass). */
export const SHARED_ANNOTATION = 'pctl/shared';

const size = z.string().regex(/^\d+(Ki|Mi|Gi|Ti)$/, 'expected a size like 1Gi');

// A Filestore instance by name or path, as the Filestore API and its CSI driver write it.
const FILESTORE_INSTANCE =
  /^(modeInstance\/[a-z0-9-]+\/[a-z0-9-]+\/[A-Za-z0-9_]+|projects\/[^/]+\/locations\/[a-z0-9-]+\/instances\/[a-z0-9-]+|[a-z0-9-]+\/[a-z0-9-]+|[a-z]([a-z0-9-]{0,61}[a-z0-9])?)$/;

/** Whether a Filestore `id` is the instance's address (mounted over NFS, nothing to look up). */
export const isFilestoreAddress = (id: string): boolean => isIPv4(id);

/** `provider.options.storage`: the forms the original pctl takes, plus NFS. */
export const KubeStorageSchema = z.discriminatedUnion('name', [
  z.strictObject({
    name: z.undefined().optional(),
    size,
    storageClass: z.string().optional(),
    /** Network file storage: a PersistentVolume is made for it. */
    nfs: z.strictObject({ server: z.string(), path: z.string() }).optional(),
  }),
  z.strictObject({
    name: z.literal('efs'),
    /** File system id, as the EFS CSI driver's volumeHandle takes it: fs-…, fs-…:/path, fs-…::fsap-…. */
    id: z
      .string()
      .regex(
        /^fs-[0-9a-f]{8,40}(:(\/[^:]*)?(:fsap-[0-9a-f]{8,40})?)?$/,
        'expected an EFS file system id like fs-0123456789abcdef0 (or fs-…::fsap-… for an access point)',
      ),
    /** Capacity written on the volume (EFS grows as needed; Kubernetes requires one). */
    size: size.default('5Gi'),
  }),
  z
    .strictObject({
      name: z.literal('filestore'),
      /** The instance's IP address (the original pctl's form: an NFS mount of <id>:/<share>), its name (in the cluster's zone), <location>/<instance>, projects/<p>/locations/<l>/instances/<i>, or the driver's modeInstance/<l>/<i>/<share>. */
      id: z
        .string()
        .refine(
          (v) => isIPv4(v) || FILESTORE_INSTANCE.test(v),
          "expected the instance's IPv4 address, an instance name, <location>/<instance>, projects/<project>/locations/<location>/instances/<instance> or modeInstance/<location>/<instance>/<share>",
        ),
      /** The instance's IP address; when left out, the gcp provider reads it (and the share) from the Filestore API at deploy. */
      ip: z.ipv4({ message: 'expected the Filestore instance IPv4 address' }).optional(),
      /** File share name (default vol1). */
      share: z
        .string()
        .regex(/^[A-Za-z0-9_]{1,16}$/, 'expected a file share name')
        .optional(),
      size: size.default('1Ti'),
    })
    .refine((f) => !(isIPv4(f.id) && f.ip !== undefined && f.ip !== f.id), {
      path: ['ip'],
      message: "the id is already the instance's address: leave ip out, or give the instance's name as id",
    }),
]);
export type KubeStorage = z.output<typeof KubeStorageSchema>;

/** The cloud a Kubernetes provider deploys to: picks the disks `{size}` gets, and checks efs/filestore. */
export type KubeCloud = 'aws' | 'gcp';

type Meta = (name: string, namespaced?: boolean) => KubeObject['metadata'];

const sharedMeta = (name: string): KubeObject['metadata'] => ({
  name,
  labels: { 'managed-by': 'pctl' },
  annotations: { [SHARED_ANNOTATION]: 'true' },
});

/** What render shows for a Filestore address the gcp provider reads at deploy. */
export const FILESTORE_IP_AT_DEPLOY = '<the instance address, read from the Filestore API at deploy>';

/** The Filestore CSI driver's volumeHandle and share for an `id` (a bare instance name is in `location`). */
export function filestoreHandle(id: string, share?: string): { handle: string; share: string } {
  const parts = filestoreParts(id);
  // The driver's own form is its handle as written.
  if (parts.share !== undefined) return { handle: id, share: share ?? parts.share };
  const sh = share ?? 'vol1';
  return { handle: `modeInstance/${parts.location}/${parts.instance}/${sh}`, share: sh };
}

/** The parts of a Filestore `id` placed in its location (every form but a bare instance name). */
export function filestoreParts(id: string): { location: string; instance: string; share?: string; project?: string } {
  const m = /^modeInstance\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(id);
  if (m) return { location: m[1]!, instance: m[2]!, share: m[3]! };
  const p = /^projects\/([^/]+)\/locations\/([^/]+)\/instances\/([^/]+)$/.exec(id);
  if (p) return { project: p[1]!, location: p[2]!, instance: p[3]! };
  const l = /^([^/]+)\/([^/]+)$/.exec(id);
  if (l) return { location: l[1]!, instance: l[2]! };
  throw new PctlError({
    code: 'InternalError',
    message: `filestore id ${id} without its location: the provider places it in its zone first`,
  });
}

/**
 * The objects for a service's storage, in apply order: shared StorageClass, PersistentVolume,
 * PersistentVolumeClaim. `name` names the volume and the claim.
 */
export function storageObjects(p: {
  storage: KubeStorage;
  name: string;
  namespace: string;
  meta: Meta;
  cloud?: KubeCloud;
  where: string;
}): KubeObject[] {
  const { storage: s, name, namespace, meta } = p;
  const wrongCloud = () => {
    const issue = storageCloudIssue(s, p.cloud);
    if (issue)
      throw new PctlError({
        code: 'InvalidConfig',
        fault: 'user',
        message: `${p.where}: provider.options.storage.name: ${issue}`,
        hint: 'use { size } (or nfs) here, or deploy the service with that provider',
      });
  };
  const pv = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: meta(name, false),
    spec: {
      accessModes: ['ReadWriteMany'],
      persistentVolumeReclaimPolicy: 'Retain',
      volumeMode: 'Filesystem',
      ...spec,
      claimRef: { namespace, name },
    },
  });
  const claim = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(name),
    spec,
  });

  if (s.name === 'efs') {
    wrongCloud();
    return [
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: sharedMeta('efs-sc'),
        provisioner: 'efs.csi.aws.com',
      },
      pv({
        capacity: { storage: s.size },
        storageClassName: 'efs-sc',
        csi: { driver: 'efs.csi.aws.com', volumeHandle: s.id },
      }),
      claim({
        accessModes: ['ReadWriteMany'],
        storageClassName: 'efs-sc',
        volumeName: name,
        resources: { requests: { storage: s.size } },
      }),
    ];
  }
  if (s.name === 'filestore' && isFilestoreAddress(s.id)) {
    wrongCloud();
    // The original pctl's form: the address is the NFS server, the share its export.
    return [
      pv({ capacity: { storage: s.size }, storageClassName: '', nfs: { server: s.id, path: `/${s.share ?? 'vol1'}` } }),
      claim({
        accessModes: ['ReadWriteMany'],
        storageClassName: '',
        volumeName: name,
        resources: { requests: { storage: s.size } },
      }),
    ];
  }
  if (s.name === 'filestore') {
    wrongCloud();
    const { handle, share } = filestoreHandle(s.id, s.share);
    // Without `ip` (render, plan: nothing asked yet) the value says where it comes from; deploy has it.
    return [
      pv({
        capacity: { storage: s.size },
        storageClassName: '',
        csi: {
          driver: 'filestore.csi.storage.gke.io',
          volumeHandle: handle,
          volumeAttributes: { ip: s.ip ?? FILESTORE_IP_AT_DEPLOY, volume: share },
        },
      }),
      claim({
        accessModes: ['ReadWriteMany'],
        storageClassName: '',
        volumeName: name,
        resources: { requests: { storage: s.size } },
      }),
    ];
  }
  if (s.nfs) {
    return [
      pv({
        capacity: { storage: s.size },
        storageClassName: s.storageClass ?? '',
        nfs: { server: s.nfs.server, path: s.nfs.path },
      }),
      claim({
        accessModes: ['ReadWriteMany'],
        resources: { requests: { storage: s.size } },
        storageClassName: s.storageClass ?? '',
        volumeName: name,
      }),
    ];
  }
  // EKS clusters since 1.30 have no default class: an EBS gp3 one, shared, when none is named.
  const gp3 = p.cloud === 'aws' && s.storageClass === undefined;
  const className = gp3 ? 'gp3' : s.storageClass;
  return [
    ...(gp3
      ? [
          {
            apiVersion: 'storage.k8s.io/v1',
            kind: 'StorageClass',
            metadata: sharedMeta('gp3'),
            provisioner: 'ebs.csi.aws.com',
            parameters: { type: 'gp3' },
            volumeBindingMode: 'WaitForFirstConsumer',
            allowVolumeExpansion: true,
          },
        ]
      : []),
    claim({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: s.size } },
      ...(className !== undefined ? { storageClassName: className } : {}),
    }),
  ];
}

/** Why `storage` cannot be used on `cloud` (EFS only on aws, Filestore only on gcp), or undefined. */
export function storageCloudIssue(storage: KubeStorage | undefined, cloud: KubeCloud | undefined): string | undefined {
  if (storage?.name === 'efs' && cloud !== 'aws') return 'efs is AWS EFS storage: only the aws provider deploys it';
  if (storage?.name === 'filestore' && cloud !== 'gcp')
    return 'filestore is Google Filestore storage: only the gcp provider deploys it';
  return undefined;
}

/** Whether an object is one pctl shares between stacks (created when missing, never applied over). */
export function isShared(o: KubeObject): boolean {
  return o.metadata.annotations?.[SHARED_ANNOTATION] === 'true';
}
