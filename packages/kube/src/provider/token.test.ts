import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../../../../test/kube-api-server/index.js';
import { renewingToken, tokenClient, type BearerToken } from './token.js';

describe('renewingToken', () => {
  it('keeps a token until `marginMs` before it expires, then asks for a new one', async () => {
    let clock = 1_000_000;
    let made = 0;
    const t = renewingToken(async () => ({ token: `t${++made}`, expiresAt: clock + 15 * 60_000 }), {
      marginMs: 60_000,
      now: () => clock,
    });
    expect(await t.current()).toBe('t1');
    clock += 13 * 60_000;
    expect(await t.current()).toBe('t1');
    clock += 60_000 + 1;
    expect(await t.current()).toBe('t2');
    expect(made).toBe(2);
  });

  it('shares one request between callers, forgets a failed one, and renews after invalidate()', async () => {
    let made = 0;
    let fail = true;
    const t = renewingToken(async () => {
      made++;
      if (fail) throw new Error('no credentials');
      return { token: `t${made}` };
    });
    await expect(t.current()).rejects.toThrow('no credentials');
    fail = false;
    const [a, b] = await Promise.all([t.current(), t.current()]);
    expect([a, b, made]).toEqual(['t2', 't2', 2]);
    t.invalidate();
    expect(await t.current()).toBe('t3');
  });
});

describe('tokenClient', () => {
  // Tokens the API server takes: issued by the source, and not past their expiry.
  const issued = new Map<string, number>();
  const expiredNow = new Set<string>();
  let server: KubeApiServer;
  let made = 0;
  const source = async (): Promise<BearerToken> => {
    const token = `tok-${++made}`;
    const expiresAt = Date.now() + 60 * 60_000;
    issued.set(token, expiresAt);
    return { token, expiresAt };
  };

  beforeAll(async () => {
    server = await startKubeApiServer({
      contextName: 'tokens',
      authenticate: (b) => !expiredNow.has(b) && (issued.get(b) ?? 0) > Date.now(),
    });
  });
  afterAll(async () => server?.close());

  const client = () => {
    const ca = server.kubeConfig.getCluster(server.kubeConfig.getCurrentContext())!.caData;
    return tokenClient({
      name: 'arn:aws:eks:eu-west-1:1:cluster/x',
      server: server.url,
      caData: ca,
      tokens: renewingToken(source, { marginMs: 0 }),
    });
  };

  it('sends the current token on every request and takes a new one after the server refuses the old', async () => {
    const c = await client();
    expect(c.clusterName).toBe('arn:aws:eks:eu-west-1:1:cluster/x');
    expect(await c.list('v1', 'Namespace', '')).not.toEqual([]);
    expect(made).toBe(1);
    expiredNow.add('tok-1');
    const before = server.requests.length;
    await c.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'renewed' } });
    expect(server.requests.slice(before).map((r) => r.status)).toEqual([401, 201]);
    expect(made).toBe(2);
    expect(await c.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'renewed' } })).toBeTruthy();
    expect(made).toBe(2);
  });

  it('a token refused twice is one error naming the object', async () => {
    const c = await client();
    await c.list('v1', 'Namespace', '');
    // The token in use and every one after it.
    for (let i = made; i <= made + 100; i++) expiredNow.add(`tok-${i}`);
    await expect(c.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } })).rejects.toThrow(
      /reading Namespace default: 401/,
    );
  });
});
