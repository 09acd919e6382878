#!/usr/bin/env python3
"""API conformance: Schemathesis against the real local stack, from the served
OpenAPI document, with a signed-in user, over every route.

Run by `make test` (bounded examples) and `make fuzz-api` (longer). Needs the
emulator (AWS_ENDPOINT_URL) and a built `target/debug/local`. Starts the stack on
free ports, signs a user up through the real email flow, then runs Schemathesis:
first every operation that keeps the session alive, then each operation that ends
the caller's session (log out, password change, account deletion...) with a user
of its own, so that no operation runs with a token another one revoked.
"""

import argparse
import http.client
import http.server
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")

# Operations after which the caller's token no longer works (or the account is gone).
SESSION_ENDING = [
    "auth-logout",
    "auth-logout-all",
    "auth-password-change",
    "auth-me-delete",
    # With the ids it reads from GET /auth/sessions, it can revoke the caller's own session.
    "auth-sessions-delete",
]

# The checks that run are listed in infra/schemathesis.toml (with their per-operation exceptions).

PASSWORD = "correct horse battery staple"


class FakeGoogle(http.server.BaseHTTPRequestHandler):
    """Answers like Google's token endpoints do for tokens it never issued: the
    fuzzer's tokens are random, so Google sign-in is exercised up to its refusal."""

    def do_GET(self):
        if self.path.startswith("/jwks"):
            status, body = 200, {"keys": []}
        elif self.path.startswith("/tokeninfo"):
            status, body = 400, {"error": "invalid_token", "error_description": "Invalid Value"}
        else:
            status, body = 401, {"error": "invalid_request", "error_description": "Invalid Credentials"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def fake_google() -> str:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeGoogle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, body=None, token=None, source="127.0.0.1"):
    """One JSON request, sent from `source` (the API rate-limits per client address)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30, source_address=(source, 0))
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    resp = conn.getresponse()
    text = resp.read().decode()
    conn.close()
    return resp.status, json.loads(text) if text else None


def wait_until(what, probe, deadline_s):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    sys.exit(f"conformance: timed out waiting for {what}")


def signed_in_user(api, emulator):
    """A verified user, through register -> emailed link -> verify -> login."""
    email = f"fuzz-{uuid.uuid4().hex[:12]}@example.com"
    # A client address of its own, so the fuzzer's requests never rate-limit it.
    source = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(1, 254)}"
    status, body = request("POST", f"{api}/auth/register", {"email": email, "password": PASSWORD}, source=source)
    assert status == 201, (status, body)

    def token_mail():
        with urllib.request.urlopen(f"{emulator}/_local/ses/messages?to={email}", timeout=10) as resp:
            for mail in json.load(resp):
                found = re.search(r"token=([A-Za-z0-9_-]+)", mail.get("body", ""))
                if found:
                    return found.group(1)
        return None

    verification = wait_until("the verification email", token_mail, 60)
    status, body = request("POST", f"{api}/auth/verify-email", {"token": verification}, source=source)
    assert status == 200, (status, body)
    status, body = request("POST", f"{api}/auth/login", {"email": email, "password": PASSWORD}, source=source)
    assert status == 200, (status, body)
    return body["token"]


def schemathesis(api_origin, token, args, extra):
    cmd = [
        os.path.join(VENV_BIN, "st"), "--config-file", os.path.join(ROOT, "infra", "schemathesis.toml"), "run", f"{api_origin}/api/v1/openapi.json",
        "--max-examples", str(args.max_examples),
        "--seed", str(args.seed),
        "--no-color",
        "--header", f"Authorization: Bearer {token}",
        "--request-timeout", "30",
        "--suppress-health-check", "too_slow,filter_too_much",
        "--generation-database", "none",
    ] + extra
    print("+ " + " ".join(c if "Bearer" not in c else "Authorization: Bearer ***" for c in cmd), flush=True)
    run = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(run.stdout, flush=True)
    tested = re.search(r"Tested: (\d+)", run.stdout)
    cases = re.search(r"(\d+) generated", run.stdout)
    TOTALS["operations"] += int(tested.group(1)) if tested else 0
    TOTALS["cases"] += int(cases.group(1)) if cases else 0
    return run.returncode


TOTALS = {"operations": 0, "cases": 0}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args()

    emulator = os.environ["AWS_ENDPOINT_URL"]
    port, stub_port = free_port(), free_port()
    google = fake_google()
    env = dict(os.environ, PORT=str(port), MODEL_STUB_PORT=str(stub_port), APP_ENV="local", LOG_LEVEL="error",
               BEDROCK_ENDPOINT_URL=f"http://127.0.0.1:{stub_port}",
               TABLE_NAME="myclaude-conformance", FILES_BUCKET="myclaude-conformance-files",
               GOOGLE_CLIENT_ID="conformance.apps.googleusercontent.com",
               GOOGLE_USERINFO_URL=f"{google}/userinfo", GOOGLE_TOKENINFO_URL=f"{google}/tokeninfo",
               GOOGLE_JWKS_URL=f"{google}/jwks")
    log = open(os.path.join(ROOT, "target", "conformance-stack.log"), "w")
    stack = subprocess.Popen([os.path.join(ROOT, "target", "debug", "local"), "dev"], env=env, stdout=log,
                             stderr=subprocess.STDOUT, cwd=ROOT)
    origin = f"http://127.0.0.1:{port}"
    api = f"{origin}/api/v1"
    try:
        def healthy():
            try:
                return request("GET", f"{api}/health")[0] == 200
            except OSError:
                return False

        wait_until("the local stack", healthy, 120)
        failed = []
        exclude = []
        for op in SESSION_ENDING:
            exclude += ["--exclude-operation-id", op]
        runs = [("every operation that keeps the session", exclude)]
        # Alone, an operation has no links to follow: no stateful phase.
        runs += [(op, ["--include-operation-id", op, "--phases", "examples,coverage,fuzzing"]) for op in SESSION_ENDING]
        # Every user is made before the fuzzer runs: it may exhaust the public routes' rate limits.
        users = [signed_in_user(api, emulator) for _ in runs]
        for (what, selection), token in zip(runs, users):
            if schemathesis(origin, token, args, selection):
                failed.append(what)
        if failed:
            sys.exit(f"conformance: Schemathesis failures in: {', '.join(failed)}")
        print(f"conformance: Schemathesis tested {TOTALS['operations']} operations with {TOTALS['cases']} cases: "
              "0 failures")
    finally:
        stack.terminate()
        stack.wait(timeout=30)


if __name__ == "__main__":
    main()
