"""TF Serving's REST API (`g3doc/api_rest.md`), served by `serving.server.http_server`.

    GET  /v1/models/{name}[/versions/{v}|/labels/{l}]            model status
    GET  /v1/models/{name}[/versions/{v}|/labels/{l}]/metadata   signature defs
    POST /v1/models/{name}[/versions/{v}|/labels/{l}]:predict|:classify|:regress
    GET  {monitoring path}                                        Prometheus metrics

Failures answer `{"error": message}` with the HTTP status TF Serving maps the status code to.
A request that takes longer than the timeout (`--rest_api_timeout_in_ms`) answers 504; an
`OPTIONS` request to a `/v1/` path is a CORS preflight (200 if it has an `http(s)://` Origin);
with CORS support on, every answer carries TF Serving's three CORS headers
(model_servers/http_server.cc:160-190, http_rest_api_util.cc:40-44).

    api = RestApi(manager, metrics_path="/monitoring/prometheus/metrics")
    server = start_rest_server(api, "127.0.0.1", 8501)
    server.shutdown()
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import re
import time
import urllib.parse
from typing import Awaitable

from google.protobuf import json_format
from tensorflow_serving.apis import get_model_metadata_pb2

from serving.protocol import json_tensor
from serving.protocol.errors import INTERNAL_MESSAGE, DeadlineExceeded, InvalidArgument, ServingError
from serving.saved_model import DEFAULT_SIGNATURE
from serving.server import inference
from serving.server.http_server import HttpServer
from serving.server.metrics import REGISTRY
from serving.server.model_manager import ModelManager
from serving.server.servable import LoadedVersion

log = logging.getLogger("serving.server.rest_api")

PREDICTION_PATH = re.compile(
    r"(?i)/v1/models/([^/:]+)(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?:(classify|regress|predict)")
STATUS_PATH = re.compile(r"(?i)/v1/models(?:/([^/:]+))?(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?(?:/(metadata))?")
API_PREFIX = re.compile(r"(?i)/v1/.*")
DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024
DEFAULT_TIMEOUT_SECONDS = 30.0
JSON = "application/json"
CORS_HEADERS = (("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "POST, GET"),
                ("Access-Control-Allow-Headers", "Content-Type"))
ORIGIN = re.compile(r"https?://")


def rest_signature(version: LoadedVersion, name: str):
    """The signature a REST body names, with the REST handler's error when it does not exist."""
    if (name or DEFAULT_SIGNATURE) not in version.signature_defs:
        raise InvalidArgument(f'Serving signature name: "{name or DEFAULT_SIGNATURE}" not found in signature def')
    return version.signature(name)


class RestApi:
    """Maps (method, path, body) to (HTTP status, JSON body), independent of the HTTP server."""

    def __init__(self, manager: ModelManager, metrics_path: str | None = None, cors: bool = False,
                 timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS):
        self.manager = manager
        self.metrics_path = metrics_path
        self.cors = cors
        self.timeout_seconds = timeout_seconds
        self.check_method_name = manager.options.enable_signature_method_name_check

    async def dispatch(self, method: str, path: str, body: bytes,
                       headers: dict[str, str] | None = None) -> tuple[int, bytes, str]:
        path = path.split("?", 1)[0]
        if self.metrics_path and method == "GET" and path == self.metrics_path:
            return 200, REGISTRY.render().encode("utf-8"), "text/plain; version=0.0.4"
        if not API_PREFIX.fullmatch(path):
            return 404, json_tensor.error_body(f"Not found: {method} {path}"), JSON
        if method == "OPTIONS":
            if ORIGIN.search((headers or {}).get("origin", "")):
                return 200, b"", JSON
            return 400, json_tensor.error_body("Origin header is missing in CORS preflight"), JSON
        started = time.perf_counter()
        model_name, api = "", "unknown"
        try:
            route = _route(method, path)
            if route is None:
                raise InvalidArgument(f"Malformed request: {method} {path}")
            api, model_name, version, label = route
            if api == "metadata":
                payload = self._metadata(model_name, version, label)
            elif api == "status":
                payload = self._status(model_name, version)
            else:
                payload = await self._timed(self._predict_like(api, model_name, version, label, body))
        except ServingError as error:
            REGISTRY.request_count.inc(model_name=model_name, status=error.code.name)
            return error.http_status, json_tensor.error_body(error.message), JSON
        except Exception:
            log.exception("internal error serving %s %s", method, path)
            REGISTRY.request_count.inc(model_name=model_name, status="INTERNAL")
            return 500, json_tensor.error_body(INTERNAL_MESSAGE), JSON
        REGISTRY.request_count.inc(model_name=model_name, status="OK")
        REGISTRY.request_latency.observe((time.perf_counter() - started) * 1e6, model_name=model_name, API=api,
                                         entrypoint="REST")
        return 200, payload, JSON

    async def _timed(self, work: Awaitable[bytes]) -> bytes:
        """`work`'s result, or DEADLINE_EXCEEDED (HTTP 504) once the REST timeout has passed."""
        try:
            return await asyncio.wait_for(work, self.timeout_seconds if self.timeout_seconds > 0 else None)
        except asyncio.TimeoutError as error:
            raise DeadlineExceeded("Deadline Exceeded") from error

    async def _predict_like(self, api: str, name: str, version: int | None, label: str | None, body: bytes) -> bytes:
        document = json_tensor.parse_json(body)
        signature_name = json_tensor.signature_name(document)
        if api == "predict":
            with self.manager.acquire(name, version, label) as loaded:
                signature = rest_signature(loaded, signature_name)
                inputs, layout = json_tensor.predict_inputs(document, signature.inputs)
                outputs = await _outcome(loaded.submit(signature.name, inputs))
            return json_tensor.predict_response(outputs, layout)
        examples = json_tensor.examples_from_json(document)
        run = inference.classify if api == "classify" else inference.regress
        with self.manager.acquire(name, version, label) as loaded:
            result = await asyncio.to_thread(run, loaded, signature_name, examples, self.check_method_name)
        if api == "classify":
            return json_tensor.classification_response(result)
        return json_tensor.regression_response(result)

    def _status(self, name: str, version: int | None) -> bytes:
        response = inference.model_status(self.manager, name, version)
        return json_format.MessageToJson(response, always_print_fields_with_no_presence=True, indent=1).encode()

    def _metadata(self, name: str, version: int | None, label: str | None) -> bytes:
        if not name:
            raise InvalidArgument("Missing model name in request.")
        with self.manager.acquire(name, version, label) as loaded:
            response = inference.model_metadata(loaded, [inference.SIGNATURE_DEF_FIELD])
        signature_map = get_model_metadata_pb2.SignatureDefMap()
        response.metadata[inference.SIGNATURE_DEF_FIELD].Unpack(signature_map)
        body = {
            "model_spec": json_format.MessageToDict(
                response.model_spec, preserving_proto_field_name=True, always_print_fields_with_no_presence=True),
            "metadata": {inference.SIGNATURE_DEF_FIELD: json_format.MessageToDict(
                signature_map, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)},
        }
        return json_tensor.dumps(body)


@functools.lru_cache(maxsize=1024)
def _route(method: str, path: str) -> tuple[str, str, int | None, str | None] | None:
    """(api, model name, version, label) that a method and `/v1/...` path ask for; None if neither."""
    prediction = PREDICTION_PATH.fullmatch(path) if method == "POST" else None
    if prediction:
        return (prediction[4].lower(), urllib.parse.unquote(prediction[1]), _version(prediction[2]),
                _label(prediction[3]))
    status_query = STATUS_PATH.fullmatch(path) if method == "GET" else None
    if status_query:
        return ("metadata" if status_query[4] else "status", urllib.parse.unquote(status_query[1] or ""),
                _version(status_query[2]), _label(status_query[3]))
    return None


def _version(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError as error:
        raise InvalidArgument(f"Failed to convert version: {text} to numeric.") from error


def _label(text: str | None) -> str | None:
    return urllib.parse.unquote(text) if text else None


async def _outcome(future: concurrent.futures.Future):
    """The result of a future that another thread completes; cancelling the wait cancels it.

    `asyncio.wrap_future` without its chained second future: one thread-safe hand-off per request.
    """
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()

    def hand_over(done: concurrent.futures.Future) -> None:
        if not loop.is_closed():
            loop.call_soon_threadsafe(_settle, waiter, done)

    future.add_done_callback(hand_over)
    try:
        return await waiter
    except asyncio.CancelledError:
        future.cancel()
        raise


def _settle(waiter: asyncio.Future, done: concurrent.futures.Future) -> None:
    if waiter.cancelled():
        return
    try:
        waiter.set_result(done.result())
    except concurrent.futures.CancelledError:
        waiter.cancel()
    except Exception as error:
        waiter.set_exception(error)


def start_rest_server(api: RestApi, host: str, port: int, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> HttpServer:
    """Bind and serve in a background thread; `shutdown()` stops it."""
    return HttpServer(api.dispatch, host, port, max_body_bytes, json_tensor.error_body,
                      on_cancelled=lambda: REGISTRY.request_count.inc(model_name="", status="CANCELLED"),
                      extra_headers=CORS_HEADERS if api.cors else ())
