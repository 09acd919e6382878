#!/usr/bin/env bash
# Prints the emails the local stack has sent (SES in the emulator keeps them; see
# infra/emulator.py). The emulator keeps only the HTML part when both parts are
# sent; links are printed separately so they can be clicked or copied.
set -euo pipefail
endpoint="${AWS_ENDPOINT_URL:-http://127.0.0.1:${EMULATOR_PORT:-4566}}"
curl -fsS "$endpoint/_local/ses/messages" | python3 -c '
import json, re, sys, html
messages = json.load(sys.stdin)
if not messages:
    print("no mail sent yet")
for m in messages:
    to = ", ".join(m.get("to", []))
    body = m.get("body", "")
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    text = re.sub(r"[ \t]+", " ", text)
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    links = sorted(set(html.unescape(l) for l in re.findall(r"href=\"([^\"]+)\"", body)))
    print("=" * 72)
    print("From:    %s" % m.get("source"))
    print("To:      %s" % to)
    print("Subject: %s" % m.get("subject"))
    print()
    print(text)
    if links:
        print("\nLinks:")
        for l in links:
            print("  " + l)
'
