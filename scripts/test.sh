#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, then runs every test
# (unit tests beside the code and integration tests with real peers in test/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure.sh --with-test-tools
exec node scripts/run-tests.mjs "$@"
