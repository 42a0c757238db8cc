"""TF Serving's status codes and wire encodings, shared by the server, the client and export.

The client keeps its own small JSON encoding, so that a REST client never imports TensorFlow.
"""
