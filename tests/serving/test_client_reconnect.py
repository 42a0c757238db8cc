"""The REST client after a failed connection: a refused or broken connection is never reused."""
import http.server
import json
import socket
import threading

import pytest

from serving.client import RestClient


class _Status(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"model_version_status": [{"version": "1", "state": "AVAILABLE"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_client_that_met_a_refused_connection_works_once_the_server_is_up():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = RestClient(f"http://127.0.0.1:{port}", "m", timeout=5)
    for _ in range(2):
        with pytest.raises(ConnectionRefusedError):
            client.status()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Status)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert client.status() == [{"version": "1", "state": "AVAILABLE"}]
    finally:
        server.shutdown()
        server.server_close()
