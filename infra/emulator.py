"""The local AWS emulator: moto's server (DynamoDB, S3, SQS, SES, ... on one port),
plus one read-only endpoint for the mail SES accepted:

    GET /_local/ses/messages[?to=ADDRESS]  ->  [{"id", "source", "to", "subject", "body"}]

moto's own /moto-api/data.json serialises every service's data, which becomes slow
(seconds) once the table holds a few thousand items; this reads only SES's list.

DynamoDB runs with `moto_fast_query` (beside this file): a Query costs what its
partition holds rather than what the table holds, a transaction rolls back from an undo
log instead of a copy of the table, and reads are answered without moto's slow generic
serialiser. Reads (GetItem, BatchGetItem, Query, Scan, Describe*) run concurrently;
every other DynamoDB request runs alone, since moto's writes change items in place and
its transactions must not interleave (real DynamoDB has no such limit: this only keeps
the emulator correct). Connections are kept alive and served by a pool of threads
(cheroot), and full garbage collections stay short (`ShortCollections`).
Usage: emulator.py PORT   (MOTO_FAST_QUERY=0: without the patch; EMULATOR_TIMINGS=1: one
line per DynamoDB request on stderr: when it came (Unix time), its operation, how long it
waited for the lock and ran, and its size)
"""

import gc
import json
import os
import signal
import sys
import threading
import time
from urllib.parse import parse_qs

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from moto import backends
from cheroot import wsgi
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.ses.models import ses_backends

import moto_fast_query  # noqa: E402  (beside this file)

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


class ReadWriteLock:
    """Many readers, or one writer; a waiting writer holds off new readers."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    def acquire_read(self):
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1

    def release_read(self):
        with self._cond:
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    def acquire_write(self):
        with self._cond:
            self._writers_waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writing = True

    def release_write(self):
        with self._cond:
            self._writing = False
            self._cond.notify_all()


DYNAMODB_LOCK = ReadWriteLock()
TIMINGS = os.environ.get("EMULATOR_TIMINGS") == "1"
READS = {"GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable", "ListTables", "DescribeTimeToLive"}


class ShortCollections:
    """Keeps Python's full garbage collections short. A seeded table is millions of
    objects, and a full collection walks all of them: 2.5 s with 5.5 million, during
    which no request is answered. After each full collection the survivors are frozen
    (`gc.freeze`: left out of later collections), so the next one walks only what came
    since. Objects frozen are still freed when nothing refers to them; only garbage in
    reference cycles among them stays (moto's models keep every instance anyway)."""

    def __init__(self):
        self.due = False
        self.started = 0.0
        gc.callbacks.append(self.collected)

    def collected(self, phase, info):
        if info["generation"] < 2:
            return
        if phase == "start":
            self.started = time.perf_counter()
            return
        # Not from inside the collection: at the next request.
        self.due = True
        if TIMINGS:
            took = (time.perf_counter() - self.started) * 1000
            print(f"{time.time():.3f} gc full collection {took:.1f} ms", file=sys.stderr, flush=True)

    def freeze_if_due(self):
        if self.due:
            self.due = False
            gc.freeze()


COLLECTIONS = ShortCollections()


class WithMail:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        COLLECTIONS.freeze_if_due()
        if environ.get("PATH_INFO") == MAIL_PATH and environ.get("REQUEST_METHOD") == "GET":
            to = parse_qs(environ.get("QUERY_STRING", "")).get("to", [None])[0]
            body = json.dumps(sent_messages(to)).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB_"):
            operation = target.partition(".")[2]
            read = operation in READS
            asked = time.perf_counter()
            (DYNAMODB_LOCK.acquire_read if read else DYNAMODB_LOCK.acquire_write)()
            locked = time.perf_counter()
            try:
                # Drain the response inside the lock: moto does its work lazily.
                body = list(self.app(environ, start_response))
            finally:
                (DYNAMODB_LOCK.release_read if read else DYNAMODB_LOCK.release_write)()
            if TIMINGS:
                done = time.perf_counter()
                size = sum(len(part) for part in body)
                print(
                    f"{time.time() - (done - asked):.3f} dynamodb {operation} waited {(locked - asked) * 1000:.1f} ms, "
                    f"ran {(done - locked) * 1000:.1f} ms, {size} bytes",
                    file=sys.stderr,
                    flush=True,
                )
            return body
        return self.app(environ, start_response)


def main():
    port = int(sys.argv[1])
    # moto's server lists its package directory (a stat per service) on every request to
    # route it; the directory does not change while it runs.
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
    # MOTO_FAST_QUERY=0: moto exactly as pinned (to measure the difference).
    if os.environ.get("MOTO_FAST_QUERY", "1") != "0":
        moto_fast_query.enable()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    # cheroot rather than moto's werkzeug server: werkzeug closes the connection after
    # every response and starts a thread per connection, so each SDK request paid a TCP
    # connect and a thread start (most of the emulator's time under load). cheroot keeps
    # connections alive and serves them from a pool of threads. Idle connections are kept
    # longer than the SDK's pool keeps them, so a pooled connection is not closed under a
    # request.
    server = wsgi.Server(("127.0.0.1", port), WithMail(app), numthreads=32, request_queue_size=256, timeout=300)
    try:
        server.start()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
