"""A gRPC server whose one method answers at once with fixed bytes: grpcio's own cost per call.

    python -m bench.grpc_echo_server PORT [THREADS]   # serves /echo.Echo/Call on 127.0.0.1:PORT until killed

`bench.serving_latency` measures it beside the model server, with the same thread pool and load
generator, so its CPU per call is the floor of any Python service on grpcio's threaded server.
"""
from __future__ import annotations

import concurrent.futures
import sys

import grpc

METHOD = "/echo.Echo/Call"
ANSWER = b"x" * 64


def serve(port: int, max_workers: int) -> None:
    """Serve `METHOD` on loopback `port` with a pool of `max_workers` threads."""
    def unchanged(data: bytes) -> bytes:
        return data

    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=max_workers))
    service, method = METHOD.strip("/").split("/")
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(service, {
        method: grpc.unary_unary_rpc_method_handler(lambda request, context: ANSWER,
                                                    request_deserializer=unchanged, response_serializer=unchanged)})])
    if server.add_insecure_port(f"127.0.0.1:{port}") == 0:
        raise OSError(f"cannot bind 127.0.0.1:{port}")
    server.start()
    server.wait_for_termination()


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 8)
