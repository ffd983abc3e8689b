// `docker login` to a cloud registry once per host and run, however many services push
// there; a failed login is forgotten, so the next service tries again.
import { PctlError, type ProviderContext } from '@pctl/core';

export interface RegistryLogin {
  /** The registry's user name for token logins (`AWS`, `oauth2accesstoken`). */
  username: string;
  /** The password (given on stdin), and every value to mask in output (the password and what it came from). */
  credentials: () => Promise<{ password: string; secrets: string[] }>;
  /** What failed, for the error line: `logging in to ECR <host> with ...`. */
  what: string;
  hint: string;
}

const logins = new Map<string, Promise<void>>();

/** Logs the local Docker in to `host` with `login`, at most once per user and host while it succeeds. */
export function loginOnce(ctx: ProviderContext, host: string, login: RegistryLogin): Promise<void> {
  // Per user too: two providers logging in to one host (a test registry) each log in.
  const key = `${login.username}@${host}`;
  let p = logins.get(key);
  if (!p) {
    p = (async () => {
      const { password, secrets } = await login.credentials();
      const r = await ctx.exec('docker', ['login', '--username', login.username, '--password-stdin', '--', host], {
        input: password,
        secrets,
        reject: false,
      });
      if (r.exitCode !== 0) {
        throw new PctlError({
          code: 'RegistryLoginFailed',
          message: `${login.what} failed: ${r.stderr.split('\n').filter(Boolean).at(-1) ?? `exit ${r.exitCode}`}`,
          fault: 'environment',
          exitCode: 1,
          hint: login.hint,
        });
      }
    })();
    logins.set(key, p);
    p.catch(() => logins.delete(key));
  }
  return p;
}
