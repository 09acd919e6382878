#!/usr/bin/env bash
# `make admin ARGS="…"`: the operator CLI (myclaude-admin) against the local stack that
# `make dev` runs (its emulator on 127.0.0.1:$EMULATOR_PORT, default 4566). Elsewhere,
# run target/…/myclaude-admin with the functions' environment instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:${EMULATOR_PORT:-4566}}"
export APP_ENV="${APP_ENV:-local}"
cargo build -q --locked -p myclaude-admin
exec ./target/debug/myclaude-admin "$@"
