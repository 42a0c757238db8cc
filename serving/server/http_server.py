"""An HTTP/1.1 server on one asyncio event loop (uvloop, httptools' parser) for the REST API.

One loop thread reads every connection, so a request costs a parser callback and a coroutine
step instead of a thread wake-up; model calls wait on futures (the batch scheduler's, or a
session thread's) without holding a thread. Requests on one connection are answered in order;
bodies over the limit get 413 before they are read, after the answers already due on that
connection; `Expect: 100-continue` is honoured; a connection that sends nothing for
`idle_timeout` seconds while no answer is due is closed. A request line or header block over
`MAX_HEAD_BYTES` is refused (414 / 431) as it arrives, and a `Content-Encoding: gzip` body is
inflated (to at most `max_body_bytes`) before the handler sees it, as TF Serving's evhttp
layer does (util/net_http/server/internal/evhttp_request.cc:175-290).

    async def handler(method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, str]:
        return 200, b'{"ok": true}', "application/json"

    server = HttpServer(handler, "127.0.0.1", 8501, max_body_bytes=1 << 20,
                        error_body=lambda message: json.dumps({"error": message}).encode())
    server.shutdown()
"""
from __future__ import annotations

import asyncio
import collections
import http
import logging
import threading
import zlib
from typing import Awaitable, Callable, Sequence

import httptools
import uvloop

from serving.protocol.errors import INTERNAL_MESSAGE

log = logging.getLogger("serving.server.http_server")

Handler = Callable[[str, str, bytes, dict[str, str]], Awaitable[tuple[int, bytes, str]]]
ErrorBody = Callable[[str], bytes]
MAX_PIPELINED_REQUESTS = 16
MAX_HEAD_BYTES = 1 << 20


class _Request:
    """A parsed request, or (with `refusal`) the error answer that ends the connection in its place."""

    __slots__ = ("method", "url", "body", "keep_alive", "refusal", "headers")

    def __init__(self, method: str, url: str, body: bytes, keep_alive: bool,
                 refusal: tuple[int, bytes] | None = None, headers: dict[str, str] | None = None):
        self.method, self.url, self.body, self.keep_alive = method, url, body, keep_alive
        self.refusal = refusal
        self.headers = headers or {}


class _Connection(asyncio.Protocol):
    """One client connection: parses requests as bytes arrive and answers them in order."""

    def __init__(self, server: "HttpServer"):
        self.server = server
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.pending: collections.deque[_Request] = collections.deque()
        self.answering = False
        self.refused = False
        self.client_done = False
        self._url = b""
        self._headers: dict[str, str] = {}
        self._head_bytes = 0
        self._in_head = True
        self._unparsed_head = 0
        self._body: list[bytes] = []
        self._received = 0
        self._expected = 0
        self._expect_continue = False
        self._idle: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._watch_idle()

    def _watch_idle(self) -> None:
        """(Re)start the idle clock; it only runs while no request is being answered."""
        if self._idle is not None:
            self._idle.cancel()
        self._idle = None if self.answering else self.server.loop.call_later(self.server.idle_timeout, self._close_idle)

    def _close_idle(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            log.info("closing a connection idle for %.0f s", self.server.idle_timeout)
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._idle is not None:
            self._idle.cancel()
        if self._expected and self._received < self._expected and not self.refused:
            log.info("client disconnected after %d of %d body bytes", self._received, self._expected)
            self.server.on_cancelled()
        self.pending.clear()

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        self._watch_idle()
        if self._in_head:
            self._unparsed_head += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse(400, "Protocol upgrades are not supported")
        except httptools.HttpParserError as error:
            if not self.refused:
                self._refuse(400, f"Malformed HTTP request: {error}")
            return
        if self._in_head and self._unparsed_head > MAX_HEAD_BYTES and not self.refused:
            # a header the parser is still buffering (it calls on_header only once it ends)
            self._refuse(431, f"Request header block exceeds the limit of {MAX_HEAD_BYTES} bytes")

    def on_message_begin(self) -> None:
        self._url, self._body, self._received = b"", [], 0
        self._headers, self._head_bytes, self._in_head = {}, 0, True
        self._expected, self._expect_continue = 0, False

    def _count_head(self, size: int, status: int, what: str) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_HEAD_BYTES:
            self._refuse(status, f"{what} exceeds the limit of {MAX_HEAD_BYTES} bytes")
            raise httptools.HttpParserError("refused")

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url), 414, "Request line")
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value), 431, "Request header block")
        name = name.lower()
        key = name.decode("latin-1")
        text = value.decode("latin-1")
        self._headers[key] = f"{self._headers[key]}, {text}" if key in self._headers else text
        if name == b"content-length" and value.strip().isdigit():
            self._expected = int(value)
        elif name == b"expect" and value.strip().lower() == b"100-continue":
            self._expect_continue = True

    def on_headers_complete(self) -> None:
        self._in_head, self._unparsed_head = False, 0
        if self._expected > self.server.max_body_bytes:
            self._refuse(413, f"Request body of {self._expected} bytes exceeds the limit of "
                              f"{self.server.max_body_bytes} bytes")
            raise httptools.HttpParserError("refused")
        if self._expect_continue and self.transport is not None:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, chunk: bytes) -> None:
        self._received += len(chunk)
        if self._received > self.server.max_body_bytes:
            self._refuse(413, f"Request body exceeds the limit of {self.server.max_body_bytes} bytes")
            raise httptools.HttpParserError("refused")
        self._body.append(chunk)

    def on_message_complete(self) -> None:
        url = self._url.decode("latin-1")
        body = b"".join(self._body)
        if "gzip" in self._headers.get("content-encoding", "").lower():
            body = self._gunzip(body)
            if body is None:
                raise httptools.HttpParserError("refused")
        self.pending.append(_Request(self.parser.get_method().decode("latin-1"), url, body,
                                     self.parser.should_keep_alive(), headers=self._headers))
        self._in_head = True
        self._expected = 0
        if len(self.pending) >= MAX_PIPELINED_REQUESTS and self.transport is not None:
            self.transport.pause_reading()
        if not self.answering:
            self.answering = True
            self._watch_idle()
            self.server.loop.create_task(self._answer())

    def _gunzip(self, body: bytes) -> bytes | None:
        """The inflated body, or None after refusing it (not gzip, truncated, or over the limit)."""
        inflater = zlib.decompressobj(wbits=31)
        try:
            plain = inflater.decompress(body, self.server.max_body_bytes + 1)
        except zlib.error:
            self._refuse(400, "Failed to uncompress the gzipped body")
            return None
        if len(plain) > self.server.max_body_bytes:
            self._refuse(413, f"Uncompressed request body exceeds the limit of {self.server.max_body_bytes} bytes")
            return None
        if not inflater.eof:
            self._refuse(400, "Failed to uncompress the gzipped body")
            return None
        return plain

    async def _answer(self) -> None:
        try:
            while self.pending:
                request = self.pending.popleft()
                if request.refusal is not None:
                    self._write(*request.refusal, "application/json", close=True)
                    return
                try:
                    status, payload, content_type = await self.server.handler(
                        request.method, request.url, request.body, request.headers)
                except Exception:
                    log.exception("internal error serving %s %s", request.method, request.url)
                    status, content_type = 500, "application/json"
                    payload = self.server.error_body(INTERNAL_MESSAGE)
                self._write(status, payload, content_type, close=not request.keep_alive,
                            omit_body=request.method == "HEAD")
                if not request.keep_alive:
                    return
                if self.transport is not None and not self.transport.is_closing():
                    self.transport.resume_reading()
        finally:
            self.answering = False
            self._watch_idle()
            if self.client_done and self.transport is not None and not self.transport.is_closing():
                self.transport.close()

    def eof_received(self) -> bool:
        """The client half-closed: answer what it sent, then close (True keeps the transport open)."""
        self.client_done = True
        return self.answering

    def _refuse(self, status: int, message: str) -> None:
        """Answer a request that cannot be read with an error and close, after the answers already due."""
        self.refused = True  # what arrives from now on is not parsed
        if self.answering:
            self.pending.append(_Request("", "", b"", False, refusal=(status, self.server.error_body(message))))
        else:
            self._write(status, self.server.error_body(message), "application/json", close=True)

    def _write(self, status: int, payload: bytes, content_type: str, close: bool, omit_body: bool = False) -> None:
        """Send one answer; `omit_body` for HEAD, which gets the headers a GET would."""
        transport = self.transport
        if transport is None or transport.is_closing():
            log.info("client went away before the response was sent")
            return
        head = (f"HTTP/1.1 {status} {_phrase(status)}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(payload)}\r\n{self.server.extra_head}")
        if close:
            head += "Connection: close\r\n"
        transport.write(f"{head}\r\n".encode("latin-1") + (b"" if omit_body else payload))
        if close:
            transport.close()


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Client Closed Request" if status == 499 else "Unknown"


class HttpServer:
    """Serves `handler` on (host, port) from a background event-loop thread until `shutdown()`."""

    def __init__(self, handler: Handler, host: str, port: int, max_body_bytes: int, error_body: ErrorBody,
                 on_cancelled: Callable[[], None] = lambda: None, idle_timeout: float = 120.0,
                 extra_headers: Sequence[tuple[str, str]] = ()):
        self.handler, self.max_body_bytes, self.idle_timeout = handler, max_body_bytes, idle_timeout
        self.extra_head = "".join(f"{name}: {value}\r\n" for name, value in extra_headers)
        self.error_body, self.on_cancelled = error_body, on_cancelled
        self.loop = uvloop.new_event_loop()
        self._server = self.loop.run_until_complete(
            self.loop.create_server(lambda: _Connection(self), host, port, backlog=256, reuse_address=True))
        self.port = self._server.sockets[0].getsockname()[1]
        self._thread = threading.Thread(target=self.loop.run_forever, name="rest-server", daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        """Stop accepting connections and stop the loop's thread."""
        self.loop.call_soon_threadsafe(self._server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
