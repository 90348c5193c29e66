#!/usr/bin/env bash
# `npm test`: the test suite on real components. Arguments narrow the run to some test files or
# folders (`npm test -- test/unit`, `npm test -- test/e2e/review.test.ts`). test/run.ts reads what
# the chosen files need (their `// needs:` lines, test/needs.ts), runs only those scripts/ensure-*.sh
# (each finds or installs its tool or server), then runs the files. See docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] && [ -d generated/prisma ] || npm ci
exec npx --no-install tsx test/run.ts "$@"
