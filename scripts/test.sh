#!/usr/bin/env bash
# `make test`: every test of the workspace against a fresh, isolated emulator.
# Installs what it needs (pinned, into .venv and tools/openapi/node_modules), lints the
# SAM template and checks its transform, lints the OpenAPI document and type-checks a
# client generated from it, starts the emulator on a free port, runs the tests, and stops
# what it started.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash infra/venv.sh

echo "==> cfn-lint template.yaml"
.venv/bin/cfn-lint template.yaml

# SAM CLI's lint, offline: --lint makes no AWS call (dummy credentials all the same), telemetry is
# off, and its weekly version check on PyPI fails at once on a closed local port (it ignores that).
echo "==> sam validate --lint template.yaml"
SAM_CLI_TELEMETRY=0 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x https_proxy=http://127.0.0.1:9 \
  .venv/bin/sam validate --lint --region us-east-1 --template-file template.yaml

# What API Gateway really gets: the pinned SAM translator over template.yaml, offline,
# checked against the route table (streaming integrations, timeouts, resource count).
mkdir -p target
cargo run -q --locked -p local-stack --bin local -- routes > target/routes.json
echo "==> SAM transform of template.yaml"
SAM_CLI_TELEMETRY=0 .venv/bin/python infra/tests/test_sam_transform.py template.yaml target/routes.json
echo "==> least privilege on the transformed template"
.venv/bin/python infra/tests/test_least_privilege.py template.yaml target/routes.json

bash scripts/openapi-check.sh

# The emulator's DynamoDB patch answers exactly as moto as pinned does.
echo "==> emulator: patched and pinned moto give the same query answers"
.venv/bin/python infra/tests/test_moto_fast_query.py

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
mkdir -p target
echo "==> starting an isolated emulator on 127.0.0.1:$port"
pid="$(bash infra/emulator.sh "$port" target/test-emulator.log)"
trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM
export MYCLAUDE_TEST_ENDPOINT="http://127.0.0.1:$port"

echo "==> cargo test --workspace"
cargo test --workspace --locked "$@"

# A filtered run (`bash scripts/test.sh -p shared foo`) is for the tests it names.
if [[ $# -eq 0 ]]; then
  echo "==> API conformance: Schemathesis over every route of the served OpenAPI document"
  cargo build -q --locked -p local-stack --bin local
  AWS_ENDPOINT_URL="$MYCLAUDE_TEST_ENDPOINT" .venv/bin/python scripts/conformance.py --max-examples "${FUZZ_EXAMPLES:-10}"
fi
