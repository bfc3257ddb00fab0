#!/usr/bin/env bash
# Rewrites the golden runs in src/backtest/golden/ from the current engine: demo-defaults.json
# (demo market) and real-stooq.json (../shared/data/us-equities-stooq, or KOBE_SHARED_DATA_DIR).
# Do this only on purpose (a deliberate change to fills, costs, data checks or strategies), then
# review the diff like code. The real data must be present: a bless that skipped it would leave
# its golden stale, so its absence is an error here.
set -euo pipefail
cd "$(dirname "$0")/.."
KOBE_SKIP_BUILD=1 KOBE_REQUIRE_SHARED_DATA=1 KOBE_BLESS_GOLDEN=1 npx vitest run src/backtest/golden.test.ts
git --no-pager diff --stat -- src/backtest/golden/
git status --short -- src/backtest/golden/
