#!/usr/bin/env bash
# Checks the OpenAPI document the API serves, as the tools frontends use would read it
# (run by `make test`): Redocly CLI's recommended rules with 0 errors, and a TypeScript
# client generated from it (openapi-typescript + openapi-fetch, tools/openapi/client.ts)
# that type-checks with tsc. The tools are pinned in tools/openapi/package-lock.json and
# installed with `npm ci` into tools/openapi/node_modules. Nothing here goes online
# except npm's registry on first install (Redocly's telemetry and update check are off).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools/openapi"
out="$root/target/openapi"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true DO_NOT_TRACK=1

if ! command -v npm >/dev/null; then
  echo "openapi-check: Node.js (>= 20.19) and npm are needed for the OpenAPI checks" >&2
  exit 1
fi
# `npm ci` once per lockfile, like infra/venv.sh.
stamp="$tools/node_modules/.lock.sha256"
want="$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "==> installing the pinned OpenAPI tools into tools/openapi/node_modules (npm ci)" >&2
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi

mkdir -p "$out" "$tools/generated"
cargo run -q --locked -p local-stack --bin local -- openapi > "$out/openapi.json"
cd "$tools"
echo "==> redocly lint (recommended rules) on the OpenAPI document"
npx --no-install redocly lint --config redocly.yaml --format=stylish "$out/openapi.json"
echo "==> openapi-typescript + tsc: a generated TypeScript client type-checks"
npx --no-install openapi-typescript "$out/openapi.json" --output generated/api.d.ts
npx --no-install tsc -p tsconfig.json
echo "TypeScript client: ok"
