#!/usr/bin/env bash
# Starts the moto emulator (DynamoDB, S3, SQS, SES) on 127.0.0.1:$1 and waits until it
# answers. Prints its PID. The caller stops it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="$1"
log="${2:-/dev/null}"
bash "$root/infra/venv.sh"
MOTO_PORT="$port" "$root/.venv/bin/python" "$root/infra/emulator.py" "$port" >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  if curl -fsS "http://127.0.0.1:$port/_local/ses/messages?to=nobody" >/dev/null 2>&1; then
    echo "$pid"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "the emulator exited; see $log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "the emulator did not come up on port $port" >&2
kill "$pid" 2>/dev/null || true
exit 1
