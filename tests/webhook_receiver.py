"""A webhook receiver as a user of Folio would write one: it verifies every
delivery with `standardwebhooks`, the Standard Webhooks specification's
reference library, and answers with the statuses it is told to.

    python tests/webhook_receiver.py PORT SECRET_FILE LOG_FILE [STATUS ...]

The first deliveries get the given STATUSes in turn, the later ones 200.
Each delivery is appended to LOG_FILE as one JSON line: its headers, body,
the status answered, and whether its signature verified against the secret
in SECRET_FILE (written by the test once Folio showed it).
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

port, secret_file, log_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
statuses = [int(s) for s in sys.argv[4:]]
lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            with open(secret_file) as f:
                Webhook(f.read().strip()).verify(body, headers)
            verified, error = True, None
        except Exception as e:  # the library raises WebhookVerificationError
            verified, error = False, f"{type(e).__name__}: {e}"
        with lock:
            status = statuses.pop(0) if statuses else 200
            with open(log_file, "a") as log:
                log.write(json.dumps({
                    "path": self.path, "headers": headers, "body": body.decode(),
                    "verified": verified, "error": error, "status": status,
                }) + "\n")
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"received" if status < 300 else b"try again later")

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Receiver).serve_forever()
