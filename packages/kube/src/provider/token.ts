// Bearer tokens that expire (EKS: 15 minutes, GKE: an hour): the Kubernetes client asks for
// one on every request, so a long rollout or a 100-service deploy gets a fresh token before
// the old one runs out; a 401 drops the cached token and the request is retried once.
import type { User } from '@kubernetes/client-node';
import { KubeClient, loadKubeSdk } from '../client.js';

/** A bearer token and when it stops being accepted (ms since the epoch; unknown when absent). */
export interface BearerToken {
  token: string;
  expiresAt?: number;
}

/** Makes a new token each time it is called (the STS presign, the OAuth refresh). */
export type TokenSource = () => Promise<BearerToken>;

/** A cached token, renewed `marginMs` before it expires or after `invalidate()`. */
export interface RenewingToken {
  current(): Promise<string>;
  /** Forget the cached token (the server refused it). */
  invalidate(): void;
}

/** Caches what `source` makes and asks it again when the token is about to expire. */
export function renewingToken(
  source: TokenSource,
  { marginMs = 60_000, now = Date.now }: { marginMs?: number; now?: () => number } = {},
): RenewingToken {
  let cached: Promise<BearerToken> | undefined;
  const fresh = (t: BearerToken) => t.expiresAt === undefined || t.expiresAt - marginMs > now();
  return {
    async current() {
      if (cached) {
        const t = await cached.catch(() => undefined);
        if (t && fresh(t)) return t.token;
      }
      const next = source();
      cached = next;
      next.catch(() => {
        if (cached === next) cached = undefined;
      });
      return (await next).token;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

const AUTH_PROVIDER = 'pctl-token-source';

export interface TokenClusterTarget {
  /** Name of the in-memory cluster, user and context (recorded in state as `cluster`). */
  name: string;
  /** https://host[:port] of the API server. */
  server: string;
  /** The cluster CA, base64 PEM as DescribeCluster / clusters.get return it. */
  caData?: string;
  tokens: RenewingToken;
  /** Said in errors: how to get access. */
  hint?: string;
}

/** A KubeClient for a cluster reached with renewing bearer tokens; nothing is written to a kubeconfig. */
export async function tokenClient(t: TokenClusterTarget): Promise<KubeClient> {
  // The Kubernetes client loads only when a cluster is spoken to.
  const { KubeConfig } = await loadKubeSdk();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: t.name,
        server: /^https?:\/\//.test(t.server) ? t.server : `https://${t.server}`,
        caData: t.caData,
        skipTLSVerify: false,
      },
    ],
    // No token in the config: the authenticator below asks for a current one per request.
    users: [{ name: t.name, authProvider: { name: AUTH_PROVIDER, config: {} } }],
    contexts: [{ name: t.name, cluster: t.name, user: t.name }],
    currentContext: t.name,
  });
  kc.addAuthenticator({
    isAuthProvider: (user: User) => user.name === t.name && user.authProvider?.name === AUTH_PROVIDER,
    async applyAuthentication(_user, opts) {
      const token = await t.tokens.current();
      opts.headers = { ...(opts.headers ?? {}), Authorization: `Bearer ${token}` };
    },
  });
  return new KubeClient(kc, t.name, t.hint, () => t.tokens.invalidate());
}
