#!/usr/bin/env bash
# `make test`: every test of the workspace against a fresh, isolated emulator.
# Installs what it needs (pinned, into .venv), starts the emulator on a free port,
# lints the SAM template, runs the tests, and stops what it started.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash infra/venv.sh

echo "==> cfn-lint template.yaml"
.venv/bin/cfn-lint template.yaml

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
mkdir -p target
echo "==> starting an isolated emulator on 127.0.0.1:$port"
pid="$(bash infra/emulator.sh "$port" target/test-emulator.log)"
trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM
export MYCLAUDE_TEST_ENDPOINT="http://127.0.0.1:$port"

echo "==> cargo test --workspace"
cargo test --workspace --locked "$@"

echo "==> API conformance: Schemathesis over every route of the served OpenAPI document"
cargo build -q --locked -p local-stack --bin local
AWS_ENDPOINT_URL="$MYCLAUDE_TEST_ENDPOINT" .venv/bin/python scripts/conformance.py --max-examples "${FUZZ_EXAMPLES:-10}"
