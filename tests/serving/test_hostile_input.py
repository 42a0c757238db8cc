"""Hostile input: every request gets one 4xx answer (or a non-INTERNAL gRPC status), without a
Python exception name in it, and other connections keep being answered meanwhile.

The corpus covers JSON at every nesting depth, strings that are not valid Unicode, numbers past
a double, request lines and headers of tens of megabytes (refused past 1 MiB, as an HTTP layer
must bound them), every HTTP method and protocol version, and gRPC tensors whose dtype, shape
or size is invalid or cannot be allocated.
"""
from __future__ import annotations

import re
import socket
import statistics
import threading
import time
import urllib.parse

import grpc
import pytest
from tensorflow.core.framework import tensor_pb2, types_pb2
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

EXCEPTION_NAME = re.compile(rb"\b[A-Z][A-Za-z]*(Error|Exception)\b|Traceback")
DEPTHS = [1, 2, 3, 4, 5, 8, 16, 31, 32, 33, 63, 64, 65, 100, 254, 255, 256, 500, 999, 1000, 1023, 1024, 1025,
          2000, 10_000, 100_000]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "MKCOL",
           "LOCK", "SEARCH", "PURGE", "FOO", "get", "G\x00T", ""]
VERSIONS = ["HTTP/1.0", "HTTP/1.1", "HTTP/0.9", "HTTP/2.0", "HTTP/2", "HTTP/3.0", "HTTP/9.9", "HTTP/1.12", "HTTPS/1.1",
            "", "HTTP/-1.1"]
HUGE = 20 * 1024 * 1024
MIN_CANARY_ANSWERS = 5


def nested(depth: int, leaf: bytes = b"1") -> bytes:
    return b"[" * depth + leaf + b"]" * depth


def json_bodies() -> list[bytes]:
    bodies = []
    for depth in DEPTHS:
        bodies.append(b'{"instances": ' + nested(depth) + b"}")
        bodies.append(b'{"inputs": ' + nested(depth) + b"}")
        bodies.append(b'{"instances": [1, 2, 3, 4], "x": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}")
        bodies.append(b'{"signature_name": ' + nested(depth, b'"s"') + b', "instances": [[1, 2, 3, 4]]}')
        bodies.append(nested(depth))
    return bodies


def unicode_bodies() -> list[bytes]:
    texts = [b"\xff", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\\ud800", b"\\udfff",
             b"\\udc00\\ud800", b"\\ud800x", b"\\uZZZZ", b"\\u12"]
    bodies = []
    for text in texts:
        bodies.append(b'{"signature_name": "text", "instances": ["' + text + b'"]}')
        bodies.append(b'{"signature_name": "' + text + b'", "instances": [[1, 2, 3, 4]]}')
        bodies.append(b'{"instances": [{"' + text + b'": 1}]}')
    return bodies


def number_bodies() -> list[bytes]:
    numbers = [b"1e400", b"-1e400", b"1" + b"0" * 400, b"-" + b"9" * 1000, b"1e999999999999", b"0x10", b"01",
               b"1.", b".5", b"+1", b"nan", b"-infinity", b"Infinity1", b"1e", b"--1", b"1_000"]
    bodies = []
    for number in numbers:
        bodies.append(b'{"instances": [[' + number + b", 0, 0, 0]]}")
        bodies.append(b'{"signature_name": "two_inputs", "instances": [{"a": [1, 2, 3, 4], "b": ' + number + b"}]}")
    for number in (b"18446744073709551616", b"-9223372036854775809", b"4294967296", b"2147483648"):
        bodies.append(b'{"signature_name": "two_inputs", "instances": [{"a": [1, 2, 3, 4], "b": ' + number + b"}]}")
    return bodies


def request_bytes(method: str, path: str, body: bytes = b"", version: str = "HTTP/1.1",
                  headers: list[tuple[str, str]] = ()) -> bytes:
    head = f"{method} {path} {version}\r\nHost: x\r\nConnection: close\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers)
    return head.encode("latin-1") + b"\r\n" + body


def exchange(address: tuple[str, int], data: bytes, timeout: float = 20.0) -> bytes | None:
    """Send `data` on a new connection and read until the server closes; None if it reset instead."""
    with socket.create_connection(address, timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        received = bytearray()
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            return bytes(received) or None
        return bytes(received)


def status_of(answer: bytes) -> int:
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer)
    assert match, answer[:200]
    return int(match[1])


class Canary:
    """Asks for a model's status on its own keep-alive connection, over and over, timing each answer."""

    def __init__(self, address: tuple[str, int]):
        self.address, self.latencies, self.failures = address, [], []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "Canary":
        self._thread.start()
        return self

    def _run(self) -> None:
        request = b"GET /v1/models/dense HTTP/1.1\r\nHost: x\r\n\r\n"
        with socket.create_connection(self.address, timeout=5) as sock:
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    sock.sendall(request)
                    answer = sock.recv(65536)
                    while b"\r\n\r\n" not in answer:
                        answer += sock.recv(65536)
                    head, _, body = answer.partition(b"\r\n\r\n")
                    length = int(re.search(rb"(?i)content-length: (\d+)", head)[1])
                    while len(body) < length:
                        body += sock.recv(65536)
                    if not head.startswith(b"HTTP/1.1 200"):
                        self.failures.append(head)
                except OSError as error:
                    self.failures.append(repr(error))
                    return
                self.latencies.append(time.perf_counter() - started)
                time.sleep(0.01)

    def __exit__(self, *exc_info: object) -> None:
        deadline = time.monotonic() + 5
        while len(self.latencies) < MIN_CANARY_ANSWERS and not self.failures and time.monotonic() < deadline:
            time.sleep(0.01)  # short corpora: still see a few answers after the last hostile request
        self._stop.set()
        self._thread.join(timeout=10)


def assert_answered_well(canary: Canary) -> None:
    assert canary.failures == []
    assert len(canary.latencies) >= MIN_CANARY_ANSWERS
    latencies = sorted(canary.latencies)
    p95 = latencies[int(len(latencies) * 0.95)]
    assert p95 < 0.1, f"95th percentile {p95 * 1000:.0f} ms, median {statistics.median(latencies) * 1000:.0f} ms"


@pytest.fixture
def address(server) -> tuple[str, int]:
    url = urllib.parse.urlsplit(server.rest_url)
    return url.hostname, url.port


def check_client_error(answer: bytes | None, allowed: range = range(400, 500), sent: bytes = b"") -> None:
    assert answer is not None, f"no answer to {sent[:300]!r}"
    assert status_of(answer) in allowed, (answer[:300], sent[:300])
    assert answer.count(b"HTTP/1.") == 1, "more than one answer"
    assert not EXCEPTION_NAME.search(answer), answer[:300]


@pytest.mark.parametrize("kind, bodies", [("json depth", json_bodies()), ("unicode", unicode_bodies()),
                                          ("numbers", number_bodies())])
def test_hostile_json_bodies(address, kind, bodies):
    with Canary(address) as canary:
        for body in bodies:
            for path in ("/v1/models/dense:predict", "/v1/models/examples:classify"):
                data = request_bytes("POST", path, body)
                check_client_error(exchange(address, data), sent=data)
    assert_answered_well(canary)


def test_huge_request_lines_and_headers_are_refused(address):
    cases = [
        request_bytes("GET", "/v1/models/" + "a" * HUGE),
        request_bytes("GET", "/v1/models/dense", headers=[("X-Big", "b" * HUGE)]),
        request_bytes("GET", "/v1/models/dense", headers=[(f"X-{i}", "v" * 100) for i in range(200_000)]),
        b"GET /v1/models/dense HTTP/1.1\r\nHost: x\r\n" + b"X: " + b"c" * HUGE,  # never ends its headers
    ]
    with Canary(address) as canary:
        for data in cases:
            answer = exchange(address, data)
            if answer is not None:  # else the server reset the connection while the client still sent
                check_client_error(answer, range(400, 432))
    assert_answered_well(canary)


def test_every_method_and_protocol_version(address):
    with Canary(address) as canary:
        for method in METHODS:
            for version in VERSIONS:
                for path in ("/v1/models/dense", "/v1/models/dense:predict", "/", "*"):
                    data = f"{method} {path} {version}\r\nHost: x\r\nConnection: close\r\n\r\n".encode("latin-1")
                    answer = exchange(address, data)
                    allowed = range(200, 500) if method in ("GET", "OPTIONS", "HEAD") else range(400, 500)
                    check_client_error(answer, allowed, sent=data)
        check_client_error(exchange(address, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"))
    assert_answered_well(canary)


def hostile_tensors() -> list[tensor_pb2.TensorProto]:
    tensors = []
    for dtype in (types_pb2.DT_INVALID, 999, -1, types_pb2.DT_RESOURCE, types_pb2.DT_VARIANT, types_pb2.DT_FLOAT_REF,
                  types_pb2.DT_STRING, types_pb2.DT_DOUBLE, types_pb2.DT_BFLOAT16, types_pb2.DT_QINT8):
        tensor = tensor_pb2.TensorProto(dtype=dtype)
        tensor.tensor_shape.dim.add(size=1)
        tensor.tensor_shape.dim.add(size=4)
        tensor.float_val.extend([1, 2, 3, 4])
        tensors.append(tensor)
    for sizes in ([-1, 4], [-5], [1 << 40, 1 << 40], [1 << 31, 4], [0, 4], [1 << 62], [3, 4], [1] * 300):
        tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[1.0])
        for size in sizes:
            tensor.tensor_shape.dim.add(size=size)
        tensors.append(tensor)
    for content in (b"\x00" * 3, b"\x00" * 17, b"\x00" * 1024):
        tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, tensor_content=content)
        tensor.tensor_shape.dim.add(size=1)
        tensor.tensor_shape.dim.add(size=4)
        tensors.append(tensor)
    unknown = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[1, 2, 3, 4])
    unknown.tensor_shape.unknown_rank = True
    tensors.append(unknown)
    strings = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, string_val=[b"\xff\xfe", b"\xed\xa0\x80"])
    strings.tensor_shape.dim.add(size=2)
    tensors.append(strings)
    return tensors


def test_hostile_grpc_tensors(server, address):
    stub = prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel(server.grpc_target))
    with Canary(address) as canary:
        for tensor in hostile_tensors():
            for model, signature, name in (("dense", "", "features"), ("dense", "text", "text"),
                                           ("dense", "two_inputs", "b")):
                request = predict_pb2.PredictRequest()
                request.model_spec.name, request.model_spec.signature_name = model, signature
                request.inputs[name].CopyFrom(tensor)
                if signature == "two_inputs":
                    request.inputs["a"].CopyFrom(tensor)
                try:
                    stub.Predict(request, timeout=20)  # some are valid: a [3, 4] shape filled from one value
                except grpc.RpcError as error:
                    assert error.code() not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN,
                                                grpc.StatusCode.DEADLINE_EXCEEDED), (tensor, error.details())
                    assert not EXCEPTION_NAME.search(error.details().encode()), error.details()
    assert_answered_well(canary)
