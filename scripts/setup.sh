#!/usr/bin/env bash
# Everything pctl's demo and tests need on a fresh Debian machine: Debian packages,
# npm packages, a build. Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=()
command -v dockerd >/dev/null 2>&1 || pkgs+=(docker.io)
command -v docker >/dev/null 2>&1 || pkgs+=(docker-cli)
[ -x /bin/busybox ] || pkgs+=(busybox-static)
if [ "${PCTL_SETUP_TEST_DEPS:-0}" = 1 ]; then
  [ -x /usr/bin/docker-registry ] || pkgs+=(docker-registry)
  command -v htpasswd >/dev/null 2>&1 || pkgs+=(apache2-utils)
  [ -x /usr/sbin/sshd ] || pkgs+=(openssh-server openssh-client)
  command -v ip >/dev/null 2>&1 || pkgs+=(iproute2)
  command -v ssh-keygen >/dev/null 2>&1 || pkgs+=(openssh-client)
  command -v pkill >/dev/null 2>&1 || pkgs+=(procps)       # test engine clean-up
  command -v openssl >/dev/null 2>&1 || pkgs+=(openssl)    # TLS of the Kubernetes API test server and the Docker TLS proxy
  command -v tar >/dev/null 2>&1 || pkgs+=(tar)            # pctl sync
  command -v sudo >/dev/null 2>&1 || pkgs+=(sudo)          # ssh engines with sudo (test/e2e/docker-api-ssh)
  { command -v gcc >/dev/null 2>&1 && [ -f /usr/lib/x86_64-linux-gnu/libc.a ] || [ -f /usr/lib/aarch64-linux-gnu/libc.a ]; } || pkgs+=(gcc libc6-dev)  # the static HTTP client of test/e2e/docker-zero-downtime
  [ -x /usr/bin/aws ] || pkgs+=(awscli)                     # the judge of the AWS fake (test/aws-fake)
  kubectl version --client >/dev/null 2>&1 || pkgs+=(kubernetes-client)  # kubectl v1.20, a judge of the Kubernetes API test server
fi
if [ ${#pkgs[@]} -gt 0 ]; then
  echo "[setup] installing Debian packages: ${pkgs[*]}" >&2
  if [ "$(id -u)" != 0 ]; then echo "[setup] run as root (or install ${pkgs[*]} yourself)" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/tmp/pctl-setup-apt.log 2>&1 \
    || { tail -20 /tmp/pctl-setup-apt.log >&2; exit 1; }
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] npm ci" >&2
  npm ci --no-audit --no-fund >/tmp/pctl-setup-npm.log 2>&1 || { tail -20 /tmp/pctl-setup-npm.log >&2; exit 1; }
fi
echo "[setup] building" >&2
npm run -s build
