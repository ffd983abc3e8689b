// The CLI's surface: help, version, exit codes, unknown commands, validate.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { copyFileSync, mkdirSync } from 'node:fs';
import { pctl, pctlBin, pctlLoading, repoRoot } from '../helpers/cli.js';
import { useStack } from '../helpers/stack.js';

describe('pctl CLI', () => {
  const stack = useStack({ each: true });

  it('prints help and version with exit 0', async () => {
    const help = await pctl(['--help'], { cwd: repoRoot });
    expect(help.exitCode).toBe(0);
    for (const cmd of ['deploy', 'destroy', 'plan', 'validate', 'status']) expect(help.stdout).toContain(cmd);
    const v = await pctl(['--version'], { cwd: repoRoot });
    expect(v.exitCode).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('says to build when the CLI bundle is missing, with exit 2', async () => {
    // The launcher alone, as in a checkout where only `tsc -b` ran (no packages/cli/bundle).
    mkdirSync(stack.path('bin'));
    copyFileSync(pctlBin, stack.path('bin/pctl.js'));
    const r = await execa(process.execPath, [stack.path('bin/pctl.js'), '--version'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      'error: pctl is not built (packages/cli/bundle/main.js is missing): run `npm run build` in the pctl checkout',
    );
  });

  it('fails with exit 2 on an unknown command or flag', async () => {
    const r = await pctl(['deplo'], { cwd: repoRoot });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown command 'deplo'");
    const f = await pctl(['deploy', '--frobnicate'], { cwd: repoRoot });
    expect(f.exitCode).toBe(2);
    expect(f.stderr).toContain("unknown option '--frobnicate'");
  });

  it('reports a missing stack file with exit 2 and the path', async () => {
    const r = await stack.pctl(['validate']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: .*pctl\.yaml/m);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('validates a good file and reports every error of a bad one at once', async () => {
    stack.write({
      'pctl.yaml': 'name: ok\nservices:\n  web:\n    image: nginx:1\n    provider: { name: docker }\n',
      'bad.yaml':
        'name: bad\nservices:\n  web:\n    image: nginx:1\n    scale: { replica: many }\n    portz: [80]\n    provider: { name: docker }\n',
    });
    const ok = await stack.pctl(['validate']);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('valid (stack ok, 1 service)');
    const bad = await stack.pctl(['validate', '-c', 'bad.yaml']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('services.web.scale.replica');
    expect(bad.stderr).toContain('portz');
    expect(bad.stderr).toMatch(/bad\.yaml:5/);
    expect(bad.stderr).toMatch(/bad\.yaml:6/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('loads no cloud SDK or provider for --help, and no Kubernetes client for validate, plan and render of kind and gcp services', async () => {
    stack.write({
      'pctl.yaml':
        'name: ok\nservices:\n  web:\n    image: nginx:1\n    provider: { name: kind }\n' +
        '  api:\n    image: nginx:1\n    provider: { name: gcp, options: { project: proj-123, zone: europe-west1-b, cluster: c1, namespace: shop } }\n',
    });
    const run = async (args: string[]) => {
      const r = await pctlLoading(args, stack.dir);
      expect(r.exitCode, r.stderr).toBe(0);
      return r.loaded;
    };
    const help = await run(['--help']);
    expect(help).not.toMatch(/@aws-sdk|@google-cloud|@kubernetes|provider-kind|provider-docker|provider-gcp/);
    for (const args of [['validate'], ['plan'], ['render']]) {
      const loaded = await run(args);
      expect(loaded, args[0]).toContain('packages/cli/bundle/core.js');
      // The providers load (validate checks their options), their cluster client does not.
      expect(loaded, args[0]).toContain('packages/cli/bundle/provider-kind.js');
      expect(loaded, args[0]).not.toMatch(/@kubernetes\/client-node|@aws-sdk|@google-cloud/);
    }
  });

  it('a destroy loads the bundled engine client, without its ssh transport, BuildKit session, tar-fs or debug log', async () => {
    try {
      stack.write({
        'pctl.yaml':
          'name: lazyparts\nservices:\n  web:\n    image: busybox:latest\n    command: sleep 3600\n    provider: { name: docker }\n',
      });
      for (const cmd of ['deploy', 'destroy']) {
        const { loaded, ...r } = await pctlLoading([cmd], stack.dir);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(loaded, cmd).toContain('packages/cli/bundle/dockerode.js');
        expect(loaded, cmd).not.toMatch(/node_modules\/(dockerode|docker-modem|ssh2|@grpc|protobufjs|tar-fs|debug)\//);
      }
    } finally {
      await stack.pctl(['destroy']);
    }
  });

  it('loads no Docker engine client (dockerode) and no process runner (execa) for --version, validate, plan and render of docker services', async () => {
    stack.write({
      'pctl.yaml':
        'name: lazydocker\nservices:\n  web:\n    image: ./web\n    provider: { name: docker }\n' +
        '  remote:\n    image: nginx:1\n    provider: { name: docker, options: { host: 127.0.0.1, port: 1 } }\n' +
        '  kube:\n    image: nginx:1\n    provider: { name: kind }\n',
      'web/Dockerfile': 'FROM busybox:latest\n',
    });
    for (const args of [['--version'], ['validate'], ['plan'], ['render']]) {
      const { loaded, ...r } = await pctlLoading(args, stack.dir);
      expect(r.exitCode, r.stderr).toBe(0);
      if (args[0] !== '--version') expect(loaded, args[0]).toContain('packages/cli/bundle/provider-docker.js');
      expect(loaded, args[0]).not.toMatch(
        /node_modules\/(dockerode|docker-modem|ssh2|execa)\/|packages\/cli\/bundle\/dockerode\.js/,
      );
    }
  });
});
