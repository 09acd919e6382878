#!/usr/bin/env bash
# `make seed-dev`: fills the stack `make dev` runs with a heavy account and 20 others,
# and prints the login. Same ports as `make dev`: the emulator on $EMULATOR_PORT (default
# 4566), the API on $PORT (default 3000) or at $MYCLAUDE_API.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
emulator_port="${EMULATOR_PORT:-4566}"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:$emulator_port}"
export APP_ENV="${APP_ENV:-local}"
# The same build as `make dev` (cargo profile `local`, or LOCAL_PROFILE).
profile="${LOCAL_PROFILE:-local}"
bin_dir="target/$([ "$profile" = dev ] && echo debug || echo "$profile")"
cargo build -q --profile "$profile" -p local-stack --bin local
exec "./$bin_dir/local" seed-dev
