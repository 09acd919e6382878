#!/usr/bin/env bash
# `make dev`: the whole local stack on this machine, no AWS account.
#   emulator (moto: DynamoDB, S3, SQS, SES) on 127.0.0.1:$EMULATOR_PORT (default 4566)
#   API gateway + queue workers on 127.0.0.1:$PORT (default 3000)
# Ctrl-C stops everything this script started.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
emulator_port="${EMULATOR_PORT:-4566}"
export PORT="${PORT:-3000}"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:$emulator_port}"
# The local stack: the only place the public development JWT secret may be used.
export APP_ENV="${APP_ENV:-local}"
mkdir -p target
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# Optimised (cargo profile `local`); LOCAL_PROFILE=dev: a debug build (quicker to rebuild).
profile="${LOCAL_PROFILE:-local}"
bin_dir="target/$([ "$profile" = dev ] && echo debug || echo "$profile")"
echo "==> building the local stack (cargo profile $profile)"
cargo build -q --profile "$profile" -p local-stack --bin local

if curl -fsS "$AWS_ENDPOINT_URL/_local/ses/messages?to=nobody" >/dev/null 2>&1; then
  echo "==> emulator already running at $AWS_ENDPOINT_URL"
else
  echo "==> starting the emulator on 127.0.0.1:$emulator_port (log: target/emulator.log)"
  pids+=("$(bash infra/emulator.sh "$emulator_port" target/emulator.log)")
fi

"./$bin_dir/local" dev &
pids+=("$!")
wait "${pids[-1]}"
