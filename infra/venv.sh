#!/usr/bin/env bash
# Creates (or refreshes) the project-local virtualenv with the pinned local-stack tools.
# Idempotent: a venv whose requirements stamp matches is left alone.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
req="$root/infra/requirements.txt"
constraints="$root/infra/constraints.txt"
stamp="$venv/.requirements.sha256"
want="$(cat "$req" "$constraints" | sha256sum | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
echo "==> installing pinned local-stack tools into .venv (moto, cfn-lint, aws-sam-translator, aws-sam-cli, schemathesis, cargo-lambda)" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip==25.3
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" -c "$constraints"
echo "$want" > "$stamp"
