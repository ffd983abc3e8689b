// The kubectl on PATH as a judge of the test server: which release it is, and a runner with its default flags.
import { execFile, spawnSync } from 'node:child_process';

/** The kubectl releases kubectl.test.ts knows the exact output of: Debian 12's `kubernetes-client` and the v1.32 client. */
export type KubectlRelease = 'v1.20' | 'v1.32';

export interface KubectlResult {
  code: number;
  out: string;
  err: string;
}

/** The release of the kubectl on PATH, read from `kubectl version --client -o json`; throws for one without known expectations. */
export function kubectlRelease(): { release: KubectlRelease; gitVersion: string } {
  const run = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    throw new Error(
      `kubectl on PATH does not answer \`kubectl version --client\` (${run.error?.message ?? run.stderr.trim()}); scripts/setup.sh installs Debian's kubernetes-client`,
    );
  }
  const { clientVersion } = JSON.parse(run.stdout) as {
    clientVersion: { major: string; minor: string; gitVersion: string };
  };
  // A vendor build says "32+" (v1.32.4-dispatcher, say).
  const release = `v${clientVersion.major}.${Number.parseInt(clientVersion.minor, 10)}`;
  if (release !== 'v1.20' && release !== 'v1.32') {
    throw new Error(
      `kubectl ${clientVersion.gitVersion}: kubectl.test.ts knows the exact output of the v1.20 (Debian's kubernetes-client) and v1.32 clients only; add this release's expectations there`,
    );
  }
  return { release, gitVersion: clientVersion.gitVersion };
}

/**
 * Run kubectl against a kubeconfig with a home of its own: its discovery cache (v1.20 ignores KUBECACHEDIR and caches under
 * $HOME/.kube) then never carries documents from another server that had the same port. Asynchronous on purpose: the
 * server runs in the test's process, so a blocking spawn would starve it.
 */
export function kubectlRunner(kubeconfigPath: string, home: string): (...args: string[]) => Promise<KubectlResult> {
  const env = { ...process.env, HOME: home, KUBECACHEDIR: `${home}/.kube/cache` };
  return (...args) =>
    new Promise((resolve) => {
      execFile(
        'kubectl',
        ['--kubeconfig', kubeconfigPath, ...args],
        { encoding: 'utf8', timeout: 30_000, env },
        (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
      );
    });
}
