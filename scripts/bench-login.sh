#!/usr/bin/env bash
# `make bench-login`: the login timing benchmark against its own emulator.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash infra/venv.sh
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
mkdir -p target
pid="$(bash infra/emulator.sh "$port" target/bench-emulator.log)"
trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM
export MYCLAUDE_TEST_ENDPOINT="http://127.0.0.1:$port"
cargo bench --locked -p system-tests --bench login_timing
