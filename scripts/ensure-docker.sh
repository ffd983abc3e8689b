#!/usr/bin/env bash
# Makes sure a Docker engine answers, installing and starting a private one if needed.
# Source it (". scripts/ensure-docker.sh") so that DOCKER_HOST is exported to the caller;
# run it directly and it prints the export line to eval.
# Also makes sure the local base image `busybox:latest` exists (imported from Debian's
# static busybox when it cannot be pulled), since examples and tests build FROM it.
set -u
_pctl_log() { echo "[ensure-docker] $*" >&2; }

_pctl_need_pkgs() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  [ -x /bin/busybox ] || missing+=(busybox-static)
  if [ ${#missing[@]} -gt 0 ]; then
    _pctl_log "installing ${missing[*]} (Debian packages)"
    if [ "$(id -u)" != 0 ]; then _pctl_log "need root to install ${missing[*]}"; return 1; fi
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/tmp/pctl-apt.log 2>&1 \
      || { _pctl_log "apt-get failed, see /tmp/pctl-apt.log"; return 1; }
  fi
}

_pctl_docker_ok() { timeout 20 docker info >/dev/null 2>&1; }

_pctl_start_private() {
  local root=${PCTL_DOCKER_ROOT:-/tmp/pctl-docker}
  mkdir -p "$root/data" "$root/exec"
  export DOCKER_HOST="unix://$root/docker.sock"
  if _pctl_docker_ok; then return 0; fi
  if [ "$(id -u)" != 0 ]; then _pctl_log "no Docker engine answers and starting one needs root"; return 1; fi
  rm -f "$root/docker.sock" "$root/docker.pid"
  _pctl_log "starting a private dockerd at $DOCKER_HOST (log: $root/dockerd.log)"
  # setsid: the daemon outlives the shell that started it.
  # --default-address-pool: dockerd's defaults give 31 networks (172.17-31/16, 192.168/20s), and
  # it skips any pool a host route overlaps, including bridges a killed daemon left behind. A
  # test suite that deploys stacks side by side runs out of those; a /16 cut into /24s gives 256.
  setsid dockerd --storage-driver=vfs --iptables=false --ip6tables=false \
    --default-address-pool "base=${PCTL_DOCKER_POOL:-10.201.0.0/16},size=24" \
    --data-root="$root/data" --exec-root="$root/exec" --pidfile="$root/docker.pid" \
    --host="$DOCKER_HOST" >"$root/dockerd.log" 2>&1 < /dev/null &
  local i
  for i in $(seq 1 60); do
    if _pctl_docker_ok; then return 0; fi
    sleep 1
  done
  _pctl_log "dockerd did not answer within 60s; last log lines:"; tail -n 20 "$root/dockerd.log" >&2
  return 1
}

_pctl_base_image() {
  docker image inspect busybox:latest >/dev/null 2>&1 && return 0
  _pctl_log "importing Debian's static busybox as busybox:latest"
  local tmp; tmp=$(mktemp -d)
  mkdir -p "$tmp/bin" "$tmp/tmp" "$tmp/etc"
  cp /bin/busybox "$tmp/bin/busybox"
  for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$tmp/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$tmp/etc/passwd"
  tar -C "$tmp" -c . | docker import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - busybox:latest >/dev/null
  local rc=$?
  rm -rf "$tmp"
  return $rc
}

_pctl_ensure_docker() {
  _pctl_need_pkgs || return 1
  if [ -n "${DOCKER_HOST:-}" ] && _pctl_docker_ok; then :
  elif [ -z "${DOCKER_HOST:-}" ] && _pctl_docker_ok; then :
  else _pctl_start_private || return 1
  fi
  _pctl_base_image || return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  _pctl_ensure_docker || exit 1
  echo "export DOCKER_HOST=${DOCKER_HOST:-}"
else
  _pctl_ensure_docker
fi
