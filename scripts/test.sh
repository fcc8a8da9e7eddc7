#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, then runs every test
# (unit tests beside the code and integration tests with real peers in test/).
# The environment reaches the tests unchanged: TANDEM_REQUIRE_PEER_TOOLS=1 (set by
# .ci/run) makes a test whose peer tool is missing fail instead of skip.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure.sh --with-test-tools
exec node scripts/run-tests.mjs "$@"
