"""A webhook receiver that checks wharf's signatures with its own HMAC code.

Usage: webhook_receiver.py SECRET FAIL_FIRST LOG_FILE
Prints the port it listens on (127.0.0.1), then serves until killed. Answers 503 to the
first FAIL_FIRST requests, 200 afterwards, and appends one JSON line per request to
LOG_FILE: {status, verified, run_id, delivery_id, body}.
"""

import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

secret, fail_first, log_file = sys.argv[1].encode(), int(sys.argv[2]), sys.argv[3]
seen = 0


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        seen += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        ts = self.headers.get("X-Wharf-Timestamp", "")
        expected = hmac.new(secret, f"{ts}.{body}".encode(), hashlib.sha256).hexdigest()
        verified = hmac.compare_digest(expected, self.headers.get("X-Wharf-Signature", ""))
        status = 503 if seen <= fail_first else (200 if verified else 401)
        with open(log_file, "a") as f:
            f.write(json.dumps({
                "status": status,
                "verified": verified,
                "run_id": self.headers.get("X-Wharf-Run-Id"),
                "delivery_id": self.headers.get("X-Wharf-Delivery-Id"),
                "body": json.loads(body),
            }) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
