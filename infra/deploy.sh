#!/usr/bin/env bash
# `make deploy`: `sam deploy` of template.yaml with samconfig.toml (stack, capabilities,
# changeset confirmation), after its lint. Arguments are parameter overrides
# (Name=Value ...), added to samconfig.toml's. Needs AWS credentials for the account.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export SAM_CLI_TELEMETRY="${SAM_CLI_TELEMETRY:-0}"
.venv/bin/sam validate --lint --template-file template.yaml
if [[ $# -gt 0 ]]; then
  .venv/bin/sam deploy --config-file samconfig.toml --parameter-overrides "$@"
else
  .venv/bin/sam deploy --config-file samconfig.toml
fi
