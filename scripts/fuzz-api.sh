#!/usr/bin/env bash
# `make fuzz-api`: the conformance run of `make test` with many more examples per
# operation (FUZZ_EXAMPLES, default 200), against an isolated emulator of its own.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash infra/venv.sh
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
mkdir -p target
pid="$(bash infra/emulator.sh "$port" target/fuzz-emulator.log)"
trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM
cargo build -q --locked -p local-stack --bin local
AWS_ENDPOINT_URL="http://127.0.0.1:$port" .venv/bin/python scripts/conformance.py --max-examples "${FUZZ_EXAMPLES:-200}"
