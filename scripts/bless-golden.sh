#!/usr/bin/env bash
# Rewrites src/backtest/golden/demo-defaults.json from the current engine. Do this only on
# purpose (a deliberate change to fills, costs or strategies), then review the diff like code.
set -euo pipefail
cd "$(dirname "$0")/.."
KOBE_SKIP_BUILD=1 KOBE_BLESS_GOLDEN=1 npx vitest run src/backtest/golden.test.ts
git --no-pager diff --stat -- src/backtest/golden/
