"""Export Keras endpoints as TensorFlow Serving loads them, serve them like TF Serving, call them.

    __main__.py         `python -m serving inspect|serve`
    export/             endpoints -> verified SavedModel versions under a base path; models.config
      exporter.py       write the next version: signatures, warmup records, metadata, atomic rename
      verify.py         run a fresh export with both loaders and compare with the in-process model
      inspect.py        `python -m serving inspect`: what an export serves and what a server needs
      model_config.py   add a model to a `--model_config_file` (a text ModelServerConfig)
      atomic.py         stage a file or directory beside its target, rename it into place
    server/             `python -m serving serve`: tensorflow_model_server's flags and APIs
      model_server.py   the entry point: flags -> model manager -> REST and gRPC ports
      flags.py          every flag of tensorflow_model_server, and what it does here
      config_protos.py  batching and monitoring config messages the pip package omits
      model_manager.py  which versions are loaded: config, file-system polling, labels
      version_policy.py which versions of a base path should be served
      servable.py       one loaded version: its session, signatures, in-flight requests
      batching.py       concurrent requests to one signature run as one batched call
      inference.py      Predict, Classify, Regress, metadata: what REST and gRPC share
      rest_api.py       TF Serving's REST API over `http_server`
      http_server.py    HTTP/1.1 on one asyncio event loop
      grpc_services.py  TF Serving's gRPC PredictionService and ModelService
      metrics.py        Prometheus metrics named as TF Serving names them
    protocol/           what client and server exchange: TF Serving's status codes and encodings
      errors.py         errors carrying TF Serving's status codes, to and from gRPC and HTTP
      json_tensor.py    the REST JSON mapping: request bodies to arrays, results to JSON
      json_decimal.py   floats in that JSON, written and read as TF Serving does
      tensor_proto.py   numpy arrays to and from gRPC's TensorProtos
    saved_model.py      load a SavedModel as TF Serving's C++ core does and run its signatures
    warmup.py           warmup records, which export writes and the server replays
    client.py           one client for the REST and gRPC APIs, of this server or the real one

`saved_model.py` and `warmup.py` stay at the top because both sides use them: export verifies
with the session loader and writes warmup records, the server loads with the one and replays
the other. `export/` and `server/` never import each other: what they share is at the top or
in `protocol/`. Nothing here imports `zoo/` or `demos/`: a task hands `export` its endpoints.
"""
