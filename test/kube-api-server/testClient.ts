// Helpers shared by the kube-api-server tests.
import { ApiException } from '@kubernetes/client-node';

/** The Status object of a failed client-node call. */
export async function statusOf(
  p: Promise<unknown>,
): Promise<{ code: number; reason: string; message: string; details?: Record<string, unknown>; kind: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) {
      const body =
        typeof e.body === 'string'
          ? (JSON.parse(e.body) as Record<string, unknown>)
          : (e.body as Record<string, unknown>);
      return body as never;
    }
    throw e;
  }
  throw new Error('expected the request to fail');
}
