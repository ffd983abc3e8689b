// Every progress event code pctl reports, like the error codes: a closed registry, each code
// with its level, its payload type and one sentence (docs/using/events.md is generated from it by
// `npm run schemas`; a test fails while it is stale). Adding an event is one entry in
// `EventPayloads` and one in `EVENT_CODES`. A provider outside pctl reports a code of its
// own as `x-<name>` (CustomEventCode); any other unknown code is shown under its level's
// default code (normalizeEvent), so a JavaScript provider cannot forge a row's state.

/** How loud an event is: debug lines show with --verbose only (build output always). */
export type Level = 'debug' | 'info' | 'warn' | 'error' | 'result';

/** The `data` each event code carries (`undefined`: none). */
export interface EventPayloads {
  Info: Record<string, unknown> | undefined;
  Warning: undefined;
  Debug: undefined;
  Error: undefined;
  LockWait: undefined;
  LegacyProvider: undefined;
  BuildStarted: { ref: string };
  BuildLine: undefined;
  BuildLog: undefined;
  BuildClassic: undefined;
  BuildDone: undefined;
  BuildSkipped: undefined;
  PushStarted: undefined;
  PushSkipped: undefined;
  ImagePull: undefined;
  ImageTransfer: undefined;
  ImageDeleted: undefined;
  ServiceDeploying: undefined;
  ServiceDeployed: { image?: string };
  ServiceAdopted: undefined;
  ServiceUnchanged: undefined;
  ServiceFailed: undefined;
  JobStarted: { timeoutSeconds: number };
  ServiceDestroying: undefined;
  ServiceDestroyed: undefined;
  OrphanRemoving: undefined;
  OrphanRemoved: undefined;
  SyncWatching: undefined;
  Synced: undefined;
  SyncFailed: undefined;
  VerbSkipped: undefined;
  ClusterMoved: undefined;
  NamespaceCreated: undefined;
  NamespaceDeleted: undefined;
  KubeObjectPruned: undefined;
  SharedObjectCreated: undefined;
  SharedObjectDeleted: undefined;
  KindCreateCluster: undefined;
  KindLoadImage: undefined;
  EcrRepositoryCreated: undefined;
  EcrRepositoryDeleted: undefined;
  FilestoreFound: undefined;
}

export interface EventSpec {
  level: Level;
  /** One sentence for docs/using/events.md. */
  description: string;
  /** The fields of its payload, in words, for docs/using/events.md (its type is in EventPayloads). */
  payload?: string;
  /** The event ends its service's line on the live board (marked done). */
  finishes?: boolean;
}

export const EVENT_CODES = {
  Info: {
    level: 'info',
    description: 'a message with no code of its own (`reporter.info(text)`)',
    payload: 'any fields the reporter passed',
  },
  Warning: { level: 'warn', description: 'a warning with no code of its own (`reporter.warn(text)`)' },
  Debug: { level: 'debug', description: 'a detail shown with --verbose only: commands run, API calls' },
  Error: {
    level: 'error',
    description: 'an error line with no code of its own (a provider emitting an unknown code at level error)',
  },
  LockWait: {
    level: 'warn',
    description: 'another run holds the stack lock; pctl waits (--lock-timeout) and names the holder',
  },
  LegacyProvider: {
    level: 'info',
    description: 'a bare-function provider of the original pctl is run once with the whole config',
  },
  BuildStarted: {
    level: 'info',
    description: 'an image build starts (subject: the service)',
    payload: '`ref`: the image reference',
  },
  BuildLine: {
    level: 'debug',
    description: "one line of build output (subject: the image reference); shown on the building service's line",
  },
  BuildLog: {
    level: 'debug',
    description: "a BuildKit step's own output (subject: the image reference): the full log, shown with --verbose",
  },
  BuildClassic: {
    level: 'info',
    description: 'the engine offers no BuildKit: the image is built with the classic builder (one line saying so)',
  },
  BuildDone: { level: 'info', description: 'an image was built', finishes: true },
  BuildSkipped: { level: 'info', description: 'an image with these inputs exists: not rebuilt', finishes: true },
  PushStarted: { level: 'info', description: "an image is being pushed to the service's registry" },
  PushSkipped: { level: 'info', description: 'the registry already holds the image: not pushed' },
  ImagePull: { level: 'info', description: 'the engine pulls an image the service runs' },
  ImageTransfer: { level: 'info', description: 'an image is copied to a remote Docker engine' },
  ImageDeleted: { level: 'info', description: 'an image pctl pushed was deleted from its registry' },
  ServiceDeploying: { level: 'info', description: 'a service is being created or updated, with the reason' },
  ServiceDeployed: {
    level: 'info',
    description: 'a service was deployed',
    payload: '`image`: the image it runs (when it has one)',
    finishes: true,
  },
  ServiceAdopted: {
    level: 'info',
    description: 'a service the original pctl runs was adopted as it is',
    finishes: true,
  },
  ServiceUnchanged: { level: 'info', description: "a service's inputs did not change: skipped", finishes: true },
  JobStarted: {
    level: 'info',
    description: 'a `kind: job` service started its run; pctl waits for it to exit (0: completed)',
    payload: '`timeoutSeconds`: how long it may run before it is stopped',
  },
  ServiceFailed: { level: 'error', description: 'a service failed; the text is its one error line' },
  ServiceDestroying: { level: 'info', description: 'a service is being removed' },
  ServiceDestroyed: { level: 'info', description: 'a service was removed', finishes: true },
  OrphanRemoving: { level: 'info', description: 'a service gone from the stack file is being removed' },
  OrphanRemoved: { level: 'info', description: 'a service gone from the stack file was removed', finishes: true },
  SyncWatching: { level: 'info', description: '`pctl sync` watches these folders of a service' },
  Synced: { level: 'info', description: "`pctl sync` copied changed files into a service's containers" },
  SyncFailed: { level: 'error', description: '`pctl sync` could not copy files into a container (watching goes on)' },
  VerbSkipped: {
    level: 'info',
    description:
      '`pctl logs` (or another inner-loop command naming no service) skipped a service whose provider cannot do it',
  },
  ClusterMoved: { level: 'info', description: 'a service moved to another cluster: removed from the previous one' },
  NamespaceCreated: { level: 'info', description: 'pctl created a Kubernetes namespace' },
  NamespaceDeleted: { level: 'info', description: 'a namespace pctl created is empty and deleted' },
  KubeObjectPruned: { level: 'info', description: 'a Kubernetes object no longer part of the service is deleted' },
  SharedObjectCreated: { level: 'info', description: 'an object shared by stacks (a StorageClass) was created' },
  SharedObjectDeleted: { level: 'info', description: 'a shared object no volume uses any more is deleted' },
  KindCreateCluster: { level: 'info', description: 'a kind cluster is being created' },
  KindLoadImage: { level: 'info', description: "an image is loaded into a kind cluster's nodes" },
  EcrRepositoryCreated: { level: 'info', description: 'pctl created an ECR repository' },
  EcrRepositoryDeleted: { level: 'info', description: 'an empty ECR repository pctl created was deleted' },
  FilestoreFound: { level: 'info', description: 'the Filestore instance a volume uses was found (address, share)' },
} as const satisfies { readonly [C in keyof EventPayloads]: EventSpec };

/** The closed set of progress event codes (docs/using/events.md). */
export type EventCode = keyof typeof EVENT_CODES;
/** A provider's own event code: `x-` and a name (letters, digits, `.`, `_`, `-`). */
export type CustomEventCode = `x-${string}`;
/** The codes emitted at one level. */
export type EventCodeAt<L extends Level> = {
  [C in EventCode]: (typeof EVENT_CODES)[C]['level'] extends L ? C : never;
}[EventCode];
/** The payload of a code (a custom code's: any record). */
export type PayloadOf<C extends EventCode | CustomEventCode> = C extends EventCode
  ? EventPayloads[C]
  : Record<string, unknown> | undefined;

/** `Events.ServiceDeployed === 'ServiceDeployed'`: the codes as constants. */
export const Events = Object.fromEntries(Object.keys(EVENT_CODES).map((c) => [c, c])) as {
  readonly [C in EventCode]: C;
};

const CUSTOM = /^x-[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

// True for a string that is one of pctl's event codes.
export function isEventCode(code: unknown): code is EventCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(EVENT_CODES, code);
}

// True for a provider's own code: `x-` and a short name of letters, digits, `.`, `_`, `-`.
export function isCustomEventCode(code: unknown): code is CustomEventCode {
  return typeof code === 'string' && CUSTOM.test(code);
}

// True when the event ends its service's line (the live board marks it done).
export function finishesSubject(code: string): boolean {
  return isEventCode(code) && (EVENT_CODES[code] as EventSpec).finishes === true;
}
