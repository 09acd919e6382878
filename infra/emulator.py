"""The local AWS emulator: moto's server (DynamoDB, S3, SQS, SES, ... on one port),
plus one read-only endpoint for the mail SES accepted:

    GET /_local/ses/messages[?to=ADDRESS]  ->  [{"id", "source", "to", "subject", "body"}]

moto's own /moto-api/data.json serialises every service's data, which becomes slow
(seconds) once the table holds a few thousand items; this reads only SES's list.

DynamoDB requests are served one at a time: moto's TransactWriteItems deep-copies
the table for its rollback while other request threads may be writing to it, which
fails with "dictionary changed size during iteration" (a 500) under concurrent load.
Real DynamoDB has no such limit; this only keeps the emulator correct.
Usage: emulator.py PORT
"""

import json
import signal
import sys
import threading
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.ses.models import ses_backends
from werkzeug.serving import run_simple

MAIL_PATH = "/_local/ses/messages"


def sent_messages(to):
    found = []
    for regions in list(ses_backends.values()):
        for backend in list(regions.values()):
            for message in list(backend.sent_messages):
                destinations = getattr(message, "destinations", {})
                if isinstance(destinations, dict):
                    recipients = [a for key in ("ToAddresses", "CcAddresses", "BccAddresses") for a in destinations.get(key, [])]
                else:
                    recipients = list(destinations or [])
                if to and to not in recipients:
                    continue
                found.append(
                    {
                        "id": message.id,
                        "source": message.source,
                        "to": recipients,
                        "subject": getattr(message, "subject", ""),
                        "body": getattr(message, "body", getattr(message, "raw_data", "")),
                    }
                )
    return found


DYNAMODB_LOCK = threading.Lock()


class WithMail:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == MAIL_PATH and environ.get("REQUEST_METHOD") == "GET":
            to = parse_qs(environ.get("QUERY_STRING", "")).get("to", [None])[0]
            body = json.dumps(sent_messages(to)).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with DYNAMODB_LOCK:
                # Drain the response inside the lock: moto does its work lazily.
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


def main():
    port = int(sys.argv[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", port, WithMail(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
