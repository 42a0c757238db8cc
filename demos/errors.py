"""What a tab tells its user when the model refuses a request: one sentence, not TensorFlow's text.

An endpoint's graph checks its inputs with `tf.debugging` asserts whose messages say what is
wrong ("a prompt is too long: it must be under the 256-token context window ..."). TensorFlow
wraps that message in noise: "Graph execution error", the Python frames the op was defined
at, "assertion failed:", "[Condition x < y did not hold element-wise:]", the tensors compared
and the node name. In-process the endpoint raises it inside a `ZooError`; a model server sends
the same text back. `reason` keeps the assert's own message, whichever way it came.

    raise model_error(error)   # gr.Error("A prompt is too long: it must be under the 64-token ...")
"""
from __future__ import annotations

import re

import gradio as gr

_ENDPOINT_PREFIX = re.compile(r"^endpoint '[^']*' rejected its input: ")
_ASSERTION = re.compile(r"assertion failed: ((?:\[[^\[\]]*\]\s*)+)")
_NOISE = re.compile(r"^(Graph execution error:?|Detected at node .*|\s+File .*|\s*\[\[\{\{node .*)$")


def reason(error: BaseException) -> str:
    """The assert message an endpoint's graph carries, or the error's own text, without TF's frames."""
    text = _ENDPOINT_PREFIX.sub("", str(getattr(error, "message", None) or error))
    assertion = _ASSERTION.search(text)
    if assertion:
        parts = []
        for part in re.findall(r"\[([^\[\]]*)\]", assertion.group(1)):
            if part.startswith("Condition "):   # then the compared tensors: x (...) = [..], y (...) = [..]
                break
            parts.append(part.strip())
        return re.sub(r"\s+([;,.])", r"\1", " ".join(p for p in parts if p))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not _NOISE.match(line)]
    return re.sub(r"\s*\[Op:[^\]]*\]$", "", " ".join(lines)) or type(error).__name__


def sentence(text: str) -> str:
    """`text` with a full stop, and a capital first letter unless it starts with a name
    ("beam_width must be ...")."""
    text = text.strip()
    if not text:
        return text
    if text.split()[0].isalpha():
        text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def model_error(error: BaseException) -> gr.Error:
    """A `gr.Error` whose message is `error`'s reason as a sentence."""
    return gr.Error(sentence(reason(error)))
