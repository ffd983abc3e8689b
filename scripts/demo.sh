#!/usr/bin/env bash
# Deploys examples/hello for real on a Docker engine (started privately when none runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=/dev/null
source scripts/ensure-docker.sh
cd examples/hello
../../node_modules/.bin/pctl deploy "$@"
echo
echo "web: http://127.0.0.1:18080/  (DOCKER_HOST=${DOCKER_HOST:-default})"
echo "status:  (cd examples/hello && DOCKER_HOST=${DOCKER_HOST:-} ../../node_modules/.bin/pctl status)"
echo "destroy: (cd examples/hello && DOCKER_HOST=${DOCKER_HOST:-} ../../node_modules/.bin/pctl destroy)"
