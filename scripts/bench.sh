#!/usr/bin/env bash
# npm run bench [-- part ...]: builds, then measures (all parts, or those named: see
# bench/run.mjs) and writes docs/benchmarks.md. The engine and busybox:latest come from
# scripts/ensure-docker.sh, as for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=/dev/null
source scripts/ensure-docker.sh
node bench/run.mjs "$@"
