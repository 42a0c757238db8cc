"""The TF Serving-compatible model server behind `python -m serving serve` (see `model_server`)."""
