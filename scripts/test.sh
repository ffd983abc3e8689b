#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what it needs, starts a
# Docker engine when none answers, builds, runs every test (none is skipped for Docker).
set -euo pipefail
cd "$(dirname "$0")/.."
PCTL_SETUP_TEST_DEPS=1 bash scripts/setup.sh
# shellcheck source=/dev/null
source scripts/ensure-docker.sh
export DOCKER_HOST="${DOCKER_HOST:-}"
[ -n "$DOCKER_HOST" ] || unset DOCKER_HOST
# An import cycle not listed in scripts/cycles-allowed.txt (or a listed one that is gone) fails the run.
node scripts/check-cycles.mjs
# Every source file as the formatter writes it (biome.json: 120 columns); `npm run format` fixes it.
npx biome format . >/dev/null 2>&1 || { npx biome format . 2>&1 | tail -30; echo 'source files are not formatted: run npm run format' >&2; exit 1; }
out=$(mktemp -d)
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json="$out/results.json" "$@"
rc=$?
set -e
if [ -f "$out/results.json" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + (r.numTodoTests || 0)} skipped`);
  ' "$out/results.json"
fi
rm -rf "$out"
exit $rc
