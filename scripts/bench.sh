#!/usr/bin/env bash
# npm run bench: builds, then measures and writes docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=/dev/null
source scripts/ensure-docker.sh
node bench/run.mjs "$@"
