"""Turning a model's endpoints into exports TensorFlow Serving loads as they are (see `exporter`)."""
