"""Gradio demos: one app, a tab per task, against the in-process model or a TF Serving server."""
