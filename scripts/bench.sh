#!/usr/bin/env bash
# `make bench` / `make bench-login`: benchmarks (optimised builds) against their own
# emulator; `make bench-local`: against the stack `make dev` runs (MYCLAUDE_API, else
# http://127.0.0.1:$PORT), seeded by `make seed-dev`.
# Usage: scripts/bench.sh [chat|tokenizer|login|coldstart|local|import|optlevel]... (default: chat tokenizer)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
benches=("$@")
[ ${#benches[@]} -gt 0 ] || benches=(chat tokenizer)
needs_emulator=false
for bench in "${benches[@]}"; do
  case "$bench" in
    chat | login | coldstart | import) needs_emulator=true ;;
    tokenizer | local | optlevel) ;;
    *) echo "unknown benchmark: $bench (chat, tokenizer, login, coldstart, local, import, optlevel)" >&2; exit 2 ;;
  esac
done
if $needs_emulator; then
  bash infra/venv.sh
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  mkdir -p target
  pid="$(bash infra/emulator.sh "$port" target/bench-emulator.log)"
  trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM
  export MYCLAUDE_TEST_ENDPOINT="http://127.0.0.1:$port"
fi
for bench in "${benches[@]}"; do
  case "$bench" in
    chat) cargo bench --locked -p system-tests --bench chat_stream ;;
    tokenizer) cargo bench --locked -p shared --bench tokenizer ;;
    login) cargo bench --locked -p system-tests --bench login_timing ;;
    local) cargo bench --locked -p system-tests --bench local_stack ;;
    import) cargo bench --locked -p system-tests --bench import_scale ;;
    optlevel)
      # The release profile's CPU-bound paths at each opt-level (LTO and one codegen unit as
      # in release), each level in its own target folder so they do not rebuild each other.
      for level in 3 s z; do
        echo "==> opt-level $level"
        CARGO_TARGET_DIR="target/optlevel-$level" CARGO_PROFILE_BENCH_OPT_LEVEL="$level" \
          CARGO_PROFILE_BENCH_LTO=true CARGO_PROFILE_BENCH_CODEGEN_UNITS=1 \
          cargo bench --locked -q -p shared --bench hot_paths
      done
      ;;
    coldstart)
      # The binary Lambda runs (release profile: LTO, one codegen unit), spawned fresh per run.
      cargo build --locked --release -p functions --bin bootstrap
      cargo bench --locked -p system-tests --bench cold_start
      ;;
  esac
done
