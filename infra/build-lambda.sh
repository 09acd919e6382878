#!/usr/bin/env bash
# `make build-lambda`: the arm64 `bootstrap` every function in template.yaml runs, built with
# cargo-lambda (Zig as the cross linker, both from the pinned .venv), then zipped as Lambda
# gets it, with the zipped size printed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash infra/venv.sh
# The standard library for the target (rustup fetches it once).
if command -v rustup >/dev/null; then
  rustup target add aarch64-unknown-linux-gnu >/dev/null
fi
# cargo-lambda finds Zig through the `zig` on PATH: the venv's (ziglang). `-p functions`:
# the features of the functions' own dependencies only. Without it cargo resolves features
# for every default member of the workspace, and the binary gets what the operator CLI, the
# local stack and the tests ask for (the SDK's whole credential chain with STS, regex log
# filters): 0.2 MB more zipped.
PATH="$root/.venv/bin:$PATH" .venv/bin/cargo-lambda lambda build --release --arm64 -p functions --bin bootstrap --locked
binary=target/lambda/bootstrap/bootstrap
file_type="$(.venv/bin/python - "$binary" <<'PY'
import sys
with open(sys.argv[1], "rb") as f:
    head = f.read(20)
machine = int.from_bytes(head[18:20], "little")
print("ELF arm64" if head[:4] == b"\x7fELF" and machine == 183 else f"not an arm64 ELF (machine {machine})")
PY
)"
# What `sam deploy` uploads: the folder zipped (deflate, best compression).
.venv/bin/python - "$binary" target/lambda/bootstrap.zip <<'PY'
import os, sys, zipfile
binary, archive = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    info = zipfile.ZipInfo("bootstrap")
    info.external_attr = 0o755 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(binary, "rb") as f:
        z.writestr(info, f.read(), compresslevel=9)
print(f"{binary}: {os.path.getsize(binary) / 1e6:.2f} MB; zipped {archive}: {os.path.getsize(archive) / 1e6:.2f} MB")
PY
echo "$binary: $file_type"
