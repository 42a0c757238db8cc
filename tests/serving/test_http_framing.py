"""HTTP/1.1 framing the REST port must get right, over raw sockets: pipelining, chunked bodies,
`Expect: 100-continue`, HTTP/1.0 and malformed requests. TF Serving's libevent front end does all of these."""
from __future__ import annotations

import asyncio
import json
import socket
import time
import urllib.parse

import numpy as np
import pytest

from serving.server.http_server import HttpServer
from serving_fixtures import dense_outputs

FEATURES = [[1.0, 2.0, 3.0, 4.0]]


def connect(rest_url: str) -> socket.socket:
    host, port = urllib.parse.urlsplit(rest_url).netloc.split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def predict_request(features: list[list[float]], extra_headers: str = "", version: str = "1.1") -> bytes:
    body = json.dumps({"instances": features}).encode()
    return (f"POST /v1/models/dense:predict HTTP/{version}\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{extra_headers}\r\n").encode() + body


def read_response(sock: socket.socket, buffered: bytearray) -> tuple[int, dict[str, str], bytes]:
    """One response from `sock`; bytes after it stay in `buffered` for the next call."""
    while b"\r\n\r\n" not in buffered:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection before answering"
        buffered += chunk
    end = buffered.index(b"\r\n\r\n")
    status_line, *lines = buffered[:end].decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
    length = int(headers.get("content-length", 0))
    while len(buffered) < end + 4 + length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection mid-body"
        buffered += chunk
    body = bytes(buffered[end + 4:end + 4 + length])
    del buffered[:end + 4 + length]
    return int(status_line.split()[1]), headers, body


def scores(body: bytes) -> np.ndarray:
    return np.array([row["scores"] for row in json.loads(body)["predictions"]], np.float32)


def test_pipelined_requests_are_answered_in_order(server):
    rows = [[[float(i), 1.0, 2.0, 3.0]] for i in range(6)]
    with connect(server.rest_url) as sock:
        sock.sendall(b"".join(predict_request(features) for features in rows))
        buffered = bytearray()
        answers = [read_response(sock, buffered) for _ in rows]
    for features, (status, _, body) in zip(rows, answers):
        assert status == 200
        np.testing.assert_allclose(scores(body), dense_outputs(3, np.array(features, np.float32))["scores"],
                                   rtol=1e-6)


def test_chunked_body(server):
    body = json.dumps({"instances": FEATURES}).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:7], body[7:]))
    with connect(server.rest_url) as sock:
        sock.sendall(b"POST /v1/models/dense:predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     + chunks + b"0\r\n\r\n")
        status, _, answer = read_response(sock, bytearray())
    assert status == 200
    np.testing.assert_allclose(scores(answer), dense_outputs(3, np.array(FEATURES, np.float32))["scores"], rtol=1e-6)


def test_expect_continue_is_answered_before_the_body(server):
    request = predict_request(FEATURES, "Expect: 100-continue\r\n")
    head, body = request.split(b"\r\n\r\n", 1)
    with connect(server.rest_url) as sock:
        sock.sendall(head + b"\r\n\r\n")
        buffered = bytearray()
        interim, _, _ = read_response(sock, buffered)
        sock.sendall(body)
        status, _, _ = read_response(sock, buffered)
    assert (interim, status) == (100, 200)


def test_http_1_0_closes_after_the_response(server):
    with connect(server.rest_url) as sock:
        sock.sendall(predict_request(FEATURES, version="1.0"))
        status, headers, _ = read_response(sock, bytearray())
        assert status == 200
        assert sock.recv(1) == b""


def test_malformed_request_line_gets_400_and_the_server_carries_on(server):
    with connect(server.rest_url) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        status, headers, body = read_response(sock, bytearray())
    assert status == 400 and "error" in json.loads(body)
    with connect(server.rest_url) as sock:
        sock.sendall(predict_request(FEATURES))
        assert read_response(sock, bytearray())[0] == 200


def test_large_body_is_decoded_and_answered(server):
    features = np.random.default_rng(0).normal(size=(20_000, 4)).astype(np.float32)
    request = predict_request(features.tolist())
    assert len(request) > 256 * 1024  # arrives in many reads
    with connect(server.rest_url) as sock:
        sock.sendall(request)
        status, _, body = read_response(sock, bytearray())
    assert status == 200
    np.testing.assert_allclose(scores(body), dense_outputs(3, features)["scores"], rtol=1e-5, atol=1e-6)


@pytest.fixture
def echo_server():
    """An HttpServer on its own, answering with the body it got; `/fail` raises, `/slow` takes 1 s."""
    async def echo(method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, str]:
        if path == "/fail":
            raise RuntimeError("handler bug")
        if path == "/slow":
            await asyncio.sleep(1.0)
        return 200, body, "application/octet-stream"

    server = HttpServer(echo, "127.0.0.1", 0, max_body_bytes=1024,
                        error_body=lambda message: json.dumps({"error": message}).encode(), idle_timeout=0.5)
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()


def test_idle_connections_are_closed_but_slow_answers_are_not(echo_server):
    with connect(echo_server) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhe")
        time.sleep(0.3)
        sock.sendall(b"llo")  # arrives within the idle time, so the request completes
        assert read_response(sock, bytearray()) == (200, {"content-type": "application/octet-stream",
                                                         "content-length": "5"}, b"hello")
        sock.sendall(b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nslow")  # 1 s > idle time
        assert read_response(sock, bytearray())[::2] == (200, b"slow")
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert 0.3 < time.monotonic() - started < 5


def test_a_failing_handler_answers_500_and_the_connection_carries_on(echo_server):
    with connect(echo_server) as sock:
        sock.sendall(b"GET /fail HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
        buffered = bytearray()
        status, _, body = read_response(sock, buffered)
        assert status == 500 and json.loads(body) == {"error": "Internal error while answering the request"}
        assert read_response(sock, buffered)[::2] == (200, b"ok")


def test_an_oversized_pipelined_request_is_refused_after_the_answers_already_due(echo_server):
    with connect(echo_server) as sock:
        sock.sendall(b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nslow"
                     b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok"
                     b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
        buffered = bytearray()
        assert read_response(sock, buffered)[::2] == (200, b"slow")
        assert read_response(sock, buffered)[::2] == (200, b"ok")
        status, headers, body = read_response(sock, buffered)
        assert (status, headers["connection"]) == (413, "close")
        assert json.loads(body) == {"error": "Request body of 5000 bytes exceeds the limit of 1024 bytes"}
        assert sock.recv(1) == b""
