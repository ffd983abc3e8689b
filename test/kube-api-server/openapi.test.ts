import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from './index.js';
import { groupVersion, resourceTypes } from './resources.js';

type Doc = Record<string, any>;

describe('kube-api-server OpenAPI and content negotiation', () => {
  let server: KubeApiServer;
  // Plain HTTP so that fetch can read the raw answers (status, headers) without a CA.
  const get = (path: string, accept = 'application/json', redirect: RequestRedirect = 'follow') =>
    fetch(`${server.url}${path}`, { headers: { Authorization: `Bearer ${server.token}`, Accept: accept }, redirect });
  const send = (method: string, path: string, body: unknown, query = '') =>
    fetch(`${server.url}${path}${query}`, {
      method,
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    server = await startKubeApiServer({ tls: false, controllers: false });
  });
  afterAll(async () => {
    await server.close();
  });

  it('lists one v3 document per served group version, each at a URL with its hash', async () => {
    const index = (await (await get('/openapi/v3')).json()) as { paths: Record<string, { serverRelativeURL: string }> };
    const expected = [...new Set(resourceTypes.map(groupVersion))].map((gv) =>
      gv.includes('/') ? `apis/${gv}` : `api/${gv}`,
    );
    expect(Object.keys(index.paths).sort()).toEqual(expected.sort());
    expect(index.paths['apis/apps/v1'].serverRelativeURL).toMatch(
      /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/,
    );
  });

  it('describes exactly the kinds discovery lists, with the schema extensions kubectl merges by', async () => {
    const index = (await (await get('/openapi/v3')).json()) as { paths: Record<string, { serverRelativeURL: string }> };
    for (const [gvPath, { serverRelativeURL }] of Object.entries(index.paths)) {
      const doc = (await (await get(serverRelativeURL)).json()) as Doc;
      const [group, version] = gvPath.startsWith('apis/') ? gvPath.slice(5).split('/') : ['', gvPath.slice(4)];
      const discovery = (await (await get(group ? `/apis/${group}/${version}` : `/api/${version}`)).json()) as {
        resources: { name: string; kind: string }[];
      };
      const discovered = discovery.resources
        .filter((r) => !r.name.includes('/'))
        .map((r) => r.kind)
        .sort();
      // Kinds with a GVK in this group version; lists and the meta kinds every group version uses left out.
      const schemas = doc.components.schemas as Record<string, Doc>;
      const kinds = Object.values(schemas)
        .flatMap(
          (s) => (s['x-kubernetes-group-version-kind'] ?? []) as { group: string; version: string; kind: string }[],
        )
        .filter(
          (g) =>
            g.group === group &&
            g.version === version &&
            !g.kind.endsWith('List') &&
            !['DeleteOptions', 'Status', 'WatchEvent'].includes(g.kind),
        )
        .map((g) => g.kind);
      expect([...new Set(kinds)].sort(), gvPath).toEqual(discovered);
      // Every reference resolves inside the document.
      const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
      for (const ref of refs) expect(schemas[ref.slice(22, -1)], `${gvPath} ${ref}`).toBeDefined();
      // Every PATCH names its kind and takes strategic merge patches and fieldValidation, which kubectl checks before using them.
      for (const [path, item] of Object.entries(doc.paths as Record<string, Doc>)) {
        if (!item.patch) continue;
        expect(item.patch['x-kubernetes-group-version-kind'], path).toBeDefined();
        expect(Object.keys(item.patch.requestBody.content), path).toContain('application/strategic-merge-patch+json');
        expect(
          item.patch.parameters.map((p: Doc) => p.name),
          path,
        ).toContain('fieldValidation');
      }
    }
    const apps = (await (await get('/openapi/v3/apis/apps/v1')).json()) as Doc;
    const podSpec = apps.components.schemas['io.k8s.api.core.v1.PodSpec'];
    expect(podSpec.properties.containers).toMatchObject({
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-list-type': 'map',
    });
    expect(apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.selector).toEqual({
      allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector' }],
      description: expect.stringContaining('Label selector for pods.'),
    });
    // ControllerRevision is in apps/v1 upstream, but this server does not serve it.
    expect(apps.components.schemas['io.k8s.api.apps.v1.ControllerRevision']).toBeUndefined();
  });

  it('redirects a stale hash to the current document, as kube-apiserver does', async () => {
    const res = await get('/openapi/v3/apis/apps/v1?hash=0000', 'application/json', 'manual');
    expect(res.status).toBe(301);
    const index = (await (await get('/openapi/v3')).json()) as { paths: Record<string, { serverRelativeURL: string }> };
    expect(res.headers.get('location')).toBe(index.paths['apis/apps/v1'].serverRelativeURL);
    const current = await get(index.paths['apis/apps/v1'].serverRelativeURL);
    expect(current.headers.get('cache-control')).toBe('public, immutable');
    expect((await get('/openapi/v3/apis/extensions/v1beta1')).status).toBe(404);
  });

  it('serves Swagger 2.0 as JSON or gnostic protobuf, and 406 to a client that takes only what is not served', async () => {
    const v2 = (await (await get('/openapi/v2')).json()) as Doc;
    expect(v2.swagger).toBe('2.0');
    expect(
      v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch['x-kubernetes-group-version-kind'],
    ).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(v2.definitions['io.k8s.api.apps.v1.Deployment']).toBeDefined();
    // client-go's OpenAPISchema() asks for gnostic's protobuf only; kubectl explain --output plaintext-openapiv2 (kubectl.test.ts) reads it.
    const proto = await get('/openapi/v2', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf');
    expect(proto.status).toBe(200);
    expect(proto.headers.get('content-type')).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    expect(Buffer.from(await proto.arrayBuffer()).subarray(0, 5)).toEqual(Buffer.from([0x0a, 0x03, 0x32, 0x2e, 0x30])); // swagger = "2.0"
    const refused = await get('/api/v1/namespaces', 'application/vnd.kubernetes.protobuf');
    expect(refused.status).toBe(406);
    expect(await refused.json()).toMatchObject({ kind: 'Status', code: 406, reason: 'NotAcceptable' });
    expect((await get('/api/v1/namespaces', 'application/vnd.kubernetes.protobuf, application/json')).status).toBe(200);
    expect((await get('/openapi/v3', 'application/json')).status).toBe(200);
    expect((await fetch(`${server.url}/openapi/v3`)).status).toBe(401);
  });

  it('applies fieldValidation: Strict refuses unknown fields, Warn (the default) drops them with a warning', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fv', labelz: { a: 'b' } }, data: { k: 'v' } };
    const strict = await send('POST', '/api/v1/namespaces/default/configmaps', cm, '?fieldValidation=Strict');
    expect(strict.status).toBe(400);
    expect(await strict.json()).toMatchObject({
      reason: 'BadRequest',
      message:
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.labelz"',
    });
    const warned = await send('POST', '/api/v1/namespaces/default/configmaps', cm);
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toBe('299 - "unknown field \\"metadata.labelz\\""');
    expect(server.get('ConfigMap', 'default', 'fv')?.metadata).not.toHaveProperty('labelz');
    const ignored = await send(
      'PUT',
      '/api/v1/namespaces/default/configmaps/fv',
      { ...cm, extra: 1 },
      '?fieldValidation=Ignore',
    );
    expect(ignored.status).toBe(200);
    expect(ignored.headers.get('warning')).toBeNull();
    expect(server.get('ConfigMap', 'default', 'fv')).not.toHaveProperty('extra');
    // Strategic-merge directives are not fields, and a three-way patch's $deleteFromPrimitiveList takes items out of a list.
    const smp = (body: unknown) =>
      fetch(`${server.url}/api/v1/namespaces/default/configmaps/fv?fieldValidation=Strict`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/strategic-merge-patch+json' },
        body: JSON.stringify(body),
      });
    expect((await smp({ metadata: { finalizers: ['example.com/a', 'example.com/b'] } })).status).toBe(200);
    expect((await smp({ metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } })).status).toBe(200);
    expect(server.get('ConfigMap', 'default', 'fv')?.metadata.finalizers).toEqual(['example.com/b']);
    expect((await smp({ metadata: { finalizerz: [] } })).status).toBe(400);
  });

  it('merges strategic patches as the schema says: by merge key, as a set, or replacing the list', async () => {
    const smp = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/strategic-merge-patch+json' },
        body: JSON.stringify(body),
      });
    const rb = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rb', finalizers: ['example.com/a'] },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
      subjects: [
        { kind: 'User', name: 'ann' },
        { kind: 'User', name: 'bob' },
      ],
    };
    expect((await send('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', rb)).status).toBe(
      201,
    );
    // subjects has no patch strategy: the list is replaced, although its items have names. finalizers merge as a set.
    const res = await smp('/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/rb', {
      metadata: { finalizers: ['example.com/b'] },
      subjects: [{ kind: 'User', name: 'bob', namespace: 'x' }],
    });
    expect(res.status).toBe(200);
    const stored = server.get('RoleBinding', 'default', 'rb');
    expect(stored?.subjects).toEqual([{ kind: 'User', name: 'bob', namespace: 'x' }]);
    expect(stored?.metadata.finalizers).toEqual(['example.com/a', 'example.com/b']);
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ports' },
      spec: {
        selector: { app: 'x' },
        ports: [
          { name: 'http', port: 80 },
          { name: 'https', port: 443 },
        ],
      },
    };
    expect((await send('POST', '/api/v1/namespaces/default/services', svc)).status).toBe(201);
    // Service ports merge on `port`, so a patch naming one port changes that one only.
    expect(
      (await smp('/api/v1/namespaces/default/services/ports', { spec: { ports: [{ port: 443, targetPort: 8443 }] } }))
        .status,
    ).toBe(200);
    expect(
      server
        .get('Service', 'default', 'ports')
        ?.spec?.ports.map((p: { port: number; targetPort: number }) => `${p.port}->${p.targetPort}`),
    ).toEqual(['80->80', '443->8443']);
  });

  it('reads a body without Content-Type as JSON, as kube-apiserver does (kubectl v1.20 sends none with create namespace)', async () => {
    // A Buffer body, so that fetch adds no Content-Type of its own.
    const res = await fetch(`${server.url}/api/v1/namespaces?fieldManager=kubectl-create`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, Accept: 'application/json' },
      body: Buffer.from(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { creationTimestamp: null, name: 'untyped' },
          spec: {},
          status: {},
        }),
      ),
    });
    expect(res.status).toBe(201);
    expect(server.requests.at(-1)?.contentType).toBeUndefined();
    expect(server.get('Namespace', undefined, 'untyped')?.metadata.managedFields?.[0]).toMatchObject({
      manager: 'kubectl-create',
      operation: 'Update',
    });
  });

  it('answers an undecodable protobuf body with 400, like the real server', async () => {
    const res = await fetch(`${server.url}/api/v1/namespaces`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/vnd.kubernetes.protobuf' },
      body: Buffer.from('k8s\u0000\n\u0002'),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
      message: expect.stringMatching(
        /^the object provided is unrecognized \(must be of type Namespace\): unexpected EOF/,
      ),
    });
  });
});
