// The operations the OpenAPI documents list, one set per served resource, named and tagged as kube-apiserver names them.
import { groupVersion, resourceTypes, type ResourceType } from './resources.js';

/** One operation, in a neutral form both the v2 and the v3 document are written from. */
export interface Operation {
  method: 'get' | 'put' | 'post' | 'delete' | 'patch';
  operationId: string;
  description: string;
  action: string;
  gvk: { group: string; version: string; kind: string };
  /** Definition name of the request body (undefined: no body). */
  body?: string;
  /** Definition name of the response. */
  response: string;
  query: string[];
  consumes: string[];
}

export interface PathEntry {
  path: string;
  /** Path parameters, in order. */
  pathParams: string[];
  ops: Operation[];
}

/** Query parameters with the descriptions kube-apiserver gives them. */
export const queryParamDescriptions: Record<string, string> = {
  pretty:
    "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
  dryRun:
    'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
  fieldManager:
    'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
  fieldValidation:
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
  force:
    'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
  gracePeriodSeconds:
    'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.',
  orphanDependents:
    'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.',
  propagationPolicy:
    "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
  labelSelector: 'A selector to restrict the list of returned objects by their labels. Defaults to everything.',
  fieldSelector: 'A selector to restrict the list of returned objects by their fields. Defaults to everything.',
  limit:
    'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results.',
  continue:
    'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue).',
  resourceVersion:
    'resourceVersion sets a constraint on what resource versions a request may be served from. Defaults to unset.',
  timeoutSeconds:
    'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.',
  watch:
    'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.',
  container: 'The container for which to stream logs. Defaults to only container if there is one container in the pod.',
};

/** Boolean and integer query parameters; the rest are strings. */
export const queryParamTypes: Record<string, string> = {
  force: 'boolean',
  orphanDependents: 'boolean',
  watch: 'boolean',
  gracePeriodSeconds: 'integer',
  limit: 'integer',
  timeoutSeconds: 'integer',
};

const write = ['dryRun', 'fieldManager', 'fieldValidation'];
const listQuery = ['labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'timeoutSeconds', 'watch'];
const deleteQuery = ['dryRun', 'gracePeriodSeconds', 'orphanDependents', 'propagationPolicy'];
const patchTypes = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];
const bodyTypes = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** `AppsV1`, `CoreV1`, `RbacAuthorizationV1`: the group-version part of operation ids. */
function opGroup(t: ResourceType): string {
  const words = (t.group === '' ? 'core' : t.group.replace(/\.k8s\.io$/, '')).split('.');
  return [...words, t.version].map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

/** Definition name of a kind, from its x-kubernetes-group-version-kind. */
export type DefinitionOf = (gvk: { group: string; version: string; kind: string }) => string | undefined;

/** Every path of the served resources, as kube-apiserver lays them out. */
export function resourcePaths(definitionOf: DefinitionOf): PathEntry[] {
  const entries: PathEntry[] = [];
  for (const t of resourceTypes) {
    const def = definitionOf(t);
    const listDef = definitionOf({ ...t, kind: `${t.kind}List` });
    if (!def || !listDef) throw new Error(`kube-api-server: no OpenAPI definition for ${groupVersion(t)} ${t.kind}`);
    const base = t.group ? `/apis/${t.group}/${t.version}` : '/api/v1';
    const scope = t.namespaced ? 'Namespaced' : '';
    const collection = t.namespaced ? `${base}/namespaces/{namespace}/${t.plural}` : `${base}/${t.plural}`;
    const nsParams = t.namespaced ? ['namespace'] : [];
    const g = opGroup(t);
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const op = (
      method: Operation['method'],
      verb: string,
      action: string,
      o: Partial<Operation> & { response: string },
      suffix = '',
    ): Operation => ({
      method,
      operationId: `${verb}${g}${scope}${t.kind}${suffix}`,
      action,
      gvk,
      query: [],
      consumes: ['*/*'],
      description: `${action === 'list' ? 'list or watch objects of kind' : action === 'deletecollection' ? 'delete collection of' : `${verb} the specified`} ${t.kind}${suffix ? ` ${suffix.toLowerCase()}` : ''}`,
      ...o,
    });
    entries.push({
      path: collection,
      pathParams: nsParams,
      ops: [
        op('get', 'list', 'list', { response: listDef, query: listQuery }),
        op('post', 'create', 'post', { body: def, response: def, query: write, consumes: bodyTypes }),
        op('delete', 'deleteCollection', 'deletecollection', {
          body: `${META}.DeleteOptions`,
          response: `${META}.Status`,
          query: [...deleteQuery, ...listQuery.filter((q) => q !== 'watch')],
        }),
      ],
    });
    entries.push({
      path: `${collection}/{name}`,
      pathParams: [...nsParams, 'name'],
      ops: [
        op('get', 'read', 'get', { response: def }),
        op('put', 'replace', 'put', { body: def, response: def, query: write, consumes: bodyTypes }),
        op('patch', 'patch', 'patch', {
          body: `${META}.Patch`,
          response: def,
          query: [...write, 'force'],
          consumes: patchTypes,
        }),
        op('delete', 'delete', 'delete', {
          body: `${META}.DeleteOptions`,
          response: `${META}.Status`,
          query: deleteQuery,
        }),
      ],
    });
    if (t.namespaced) {
      entries.push({
        path: `${base}/${t.plural}`,
        pathParams: [],
        ops: [
          {
            ...op('get', 'list', 'list', { response: listDef, query: listQuery }),
            operationId: `list${g}${t.kind}ForAllNamespaces`,
          },
        ],
      });
    }
    entries.push({
      path: t.namespaced ? `${base}/watch/namespaces/{namespace}/${t.plural}` : `${base}/watch/${t.plural}`,
      pathParams: nsParams,
      ops: [
        {
          ...op('get', 'watch', 'watchlist', { response: `${META}.WatchEvent`, query: listQuery }),
          operationId: `watch${g}${scope}${t.kind}List`,
        },
      ],
    });
    if (t.status) {
      entries.push({
        path: `${collection}/{name}/status`,
        pathParams: [...nsParams, 'name'],
        ops: [
          op('get', 'read', 'get', { response: def }, 'Status'),
          op('put', 'replace', 'put', { body: def, response: def, query: write, consumes: bodyTypes }, 'Status'),
          op(
            'patch',
            'patch',
            'patch',
            { body: `${META}.Patch`, response: def, query: [...write, 'force'], consumes: patchTypes },
            'Status',
          ),
        ],
      });
    }
    if (t.scale) {
      const scale = 'io.k8s.api.autoscaling.v1.Scale';
      const scaleGvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
      entries.push({
        path: `${collection}/{name}/scale`,
        pathParams: [...nsParams, 'name'],
        ops: [
          { ...op('get', 'read', 'get', { response: scale }, 'Scale'), gvk: scaleGvk },
          {
            ...op(
              'put',
              'replace',
              'put',
              { body: scale, response: scale, query: write, consumes: bodyTypes },
              'Scale',
            ),
            gvk: scaleGvk,
          },
          {
            ...op(
              'patch',
              'patch',
              'patch',
              { body: `${META}.Patch`, response: scale, query: [...write, 'force'], consumes: patchTypes },
              'Scale',
            ),
            gvk: scaleGvk,
          },
        ],
      });
    }
    if (t.kind === 'Namespace') {
      entries.push({
        path: `${base}/namespaces/{name}/finalize`,
        pathParams: ['name'],
        ops: [op('put', 'replace', 'put', { body: def, response: def, query: write, consumes: bodyTypes }, 'Finalize')],
      });
    }
    if (t.kind === 'Pod') {
      entries.push({
        path: `${collection}/{name}/log`,
        pathParams: [...nsParams, 'name'],
        ops: [{ ...op('get', 'read', 'get', { response: 'string', query: ['container'] }, 'Log'), consumes: ['*/*'] }],
      });
    }
  }
  return entries;
}
