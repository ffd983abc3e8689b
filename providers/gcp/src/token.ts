// The Google access token from Application Default Credentials: the Artifact Registry
// password, and the GKE cluster's bearer token (renewed by google-auth-library before it expires).
import { renewingToken } from '@pctl/kube';
import { defaultTokenSource } from './google.js';

export const accessToken = async (): Promise<string> => (await defaultTokenSource()).token();

// The Kubernetes client asks on every request (and once more after a 401); the library caches.
export const clusterTokens = renewingToken(async () => (await defaultTokenSource()).bearer());
