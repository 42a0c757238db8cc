"""Extractive question answering: two learned vectors score each token as the answer's start
or end; long contexts are cut into overlapping windows; decoding picks the best legal span.

    qa = QuestionAnswering(tokenizer, sequence_length=128, stride=64)
    model = build_span_model(backbone)
    out = qa.answer(model, questions, contexts)     # answer, start, end (characters), score
"""
from __future__ import annotations

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from zoo.bert.tokenization import WordPieces, clean_utf8


@keras.saving.register_keras_serializable(package="zoo.bert")
class SpanHead(keras.layers.Layer):
    """Start and end logits per token: dot products with two learned vectors; padding gets -1e4.

        start_logits, end_logits = SpanHead()(sequence_output, padding_mask)
    """

    def build(self, sequence_shape, padding_mask_shape=None):
        self.vectors = self.add_weight(shape=(sequence_shape[-1], 2), initializer=keras.initializers.TruncatedNormal(stddev=0.02), name="vectors")
        self.bias = self.add_weight(shape=(2,), initializer="zeros", name="bias")

    def call(self, sequence, padding_mask):
        logits = keras.ops.einsum("bth,hk->bkt", sequence, self.vectors) + self.bias[None, :, None]
        padding = keras.ops.cast(keras.ops.expand_dims(padding_mask, 1), logits.dtype)
        logits = logits + (1.0 - padding) * -1e4
        return logits[:, 0], logits[:, 1]


def build_span_model(backbone: keras_hub.models.BertBackbone) -> keras.Model:
    """backbone inputs -> {"start_logits", "end_logits"} [batch, sequence]."""
    inputs = backbone.input
    sequence = backbone(inputs)["sequence_output"]
    start, end = SpanHead(name="span_head")(sequence, inputs["padding_mask"])
    return keras.Model(inputs, {"start_logits": start, "end_logits": end}, name="bert_span_qa")


class QuestionAnswering:
    """Windowing of (question, context) pairs into model inputs, labels for training, and decoding.

    A window is [CLS] question [SEP] context slice [SEP]; slices of `sequence_length - 3 -
    len(question)` pieces start every `stride` pieces, so every piece of a long context is in
    some window. The question keeps at most half the sequence.
    """

    def __init__(self, tokenizer: keras_hub.models.BertTokenizer, sequence_length: int, stride: int, max_answer_tokens: int = 16):
        self.pieces = WordPieces(tokenizer)
        self.tokenizer = tokenizer
        self.sequence_length = sequence_length
        self.stride = stride
        self.max_answer_tokens = max_answer_tokens
        self.packer = keras_hub.layers.MultiSegmentPacker(
            sequence_length=sequence_length, start_value=tokenizer.cls_token_id,
            end_value=tokenizer.sep_token_id, pad_value=tokenizer.pad_token_id,
        )

    def windows(self, questions: tf.Tensor, contexts: tf.Tensor) -> dict[str, tf.Tensor]:
        """Model inputs for every window, and where each window's context slice lies."""
        question = tf.cast(self.pieces(clean_utf8(questions)).ids[:, : self.sequence_length // 2], tf.int64)
        context = self.pieces(clean_utf8(contexts))
        question_length = question.row_lengths()
        context_length = context.ids.row_lengths()
        width = self.sequence_length - 3 - question_length
        step = tf.minimum(tf.cast(self.stride, tf.int64), width)
        count = 1 + tf.maximum(tf.cast(0, tf.int64), (context_length - width + step - 1) // step)
        starts = tf.ragged.range(count) * step[:, None]
        example = starts.value_rowids()
        start = starts.flat_values
        end = tf.minimum(start + tf.gather(width, example), tf.gather(context_length, example))
        piece = tf.ragged.range(start, end)
        flat = piece + tf.gather(context.ids.row_starts(), example)[:, None]
        slices = tf.gather(tf.cast(context.ids.flat_values, tf.int64), flat)
        token_ids, segment_ids = self.packer((tf.gather(question, example), slices))
        return {
            "token_ids": tf.cast(token_ids, tf.int32),
            "segment_ids": tf.cast(segment_ids, tf.int32),
            "padding_mask": tf.cast(token_ids != self.tokenizer.pad_token_id, tf.int32),
            "example": example,
            "first_piece": start,
            "offset": tf.gather(question_length, example) + 2,
            "length": end - start,
            "piece_starts": tf.gather(context.starts.flat_values, flat),
            "piece_ends": tf.gather(context.ends.flat_values, flat),
        }

    def training_windows(self, questions, contexts, answer_starts, answer_ends) -> tuple[dict, dict]:
        """Inputs and start/end labels per window (byte offsets of the answer in the cleaned
        context); a window that does not hold the whole answer points at [CLS] (position 0)."""
        w = self.windows(questions, contexts)
        begin = tf.gather(tf.cast(answer_starts, tf.int64), w["example"])[:, None]
        finish = tf.gather(tf.cast(answer_ends, tf.int64), w["example"])[:, None]
        first = tf.reduce_sum(tf.cast(w["piece_ends"] <= begin, tf.int64), axis=1)
        last = tf.reduce_sum(tf.cast(w["piece_starts"] < finish, tf.int64), axis=1) - 1
        window_begin = w["piece_starts"].to_tensor(default_value=-1, shape=[None, 1])[:, 0]
        window_end = tf.reduce_max(w["piece_ends"], axis=1)
        inside = (first <= last) & (last < w["length"]) & (begin[:, 0] >= window_begin) & (finish[:, 0] <= window_end) & (window_begin >= 0)
        labels = {
            "start_logits": tf.where(inside, first + w["offset"], 0),
            "end_logits": tf.where(inside, last + w["offset"], 0),
        }
        inputs = {key: w[key] for key in ("token_ids", "segment_ids", "padding_mask")}
        return inputs, labels

    def decode(self, windows: dict, start_logits: tf.Tensor, end_logits: tf.Tensor, contexts: tf.Tensor) -> dict[str, tf.Tensor]:
        """Best legal span per example: start <= end, at most `max_answer_tokens` pieces, inside
        the context slice; score = p(start) * p(end) in its window. No context: "" at 0, score 0."""
        length = self.sequence_length
        position = tf.range(length, dtype=tf.int64)[None, :]
        in_context = (position >= windows["offset"][:, None]) & (position < (windows["offset"] + windows["length"])[:, None])
        masked_start = tf.where(in_context, start_logits, -1e9)
        masked_end = tf.where(in_context, end_logits, -1e9)
        p_start = tf.where(in_context, tf.nn.softmax(masked_start), 0.0)
        p_end = tf.where(in_context, tf.nn.softmax(masked_end), 0.0)
        gap = position[0][None, :] - position[0][:, None]        # [start, end] -> end - start
        legal = (gap >= 0) & (gap < self.max_answer_tokens)
        scores = p_start[:, :, None] * p_end[:, None, :] * tf.cast(legal, tf.float32)[None]
        scores = tf.where(in_context[:, :, None] & in_context[:, None, :] & legal[None], scores, -1.0)
        best = tf.argmax(tf.reshape(scores, [-1, length * length]), axis=1)
        best_score = tf.reduce_max(tf.reshape(scores, [-1, length * length]), axis=1)
        start_position, end_position = best // length, best % length

        count = tf.shape(contexts, out_type=tf.int64)[0]
        example = windows["example"]
        top = tf.math.unsorted_segment_max(best_score, example, count)
        window_index = tf.range(tf.shape(example, out_type=tf.int64)[0])
        chosen = tf.math.unsorted_segment_min(tf.where(best_score >= tf.gather(top, example), window_index, tf.int64.max), example, count)
        found = top >= 0.0
        chosen = tf.where(found, chosen, 0)

        def piece_offset(offsets: tf.RaggedTensor, positions: tf.Tensor) -> tf.Tensor:
            rows = tf.gather(offsets.to_tensor(default_value=0, shape=[None, length]), chosen)
            index = tf.gather(positions - windows["offset"], chosen)
            index = tf.clip_by_value(index, 0, tf.maximum(tf.gather(windows["length"], chosen) - 1, 0))
            return tf.gather(rows, index[:, None], batch_dims=1)[:, 0]

        cleaned = clean_utf8(contexts)
        byte_start = tf.where(found, piece_offset(windows["piece_starts"], start_position), 0)
        byte_end = tf.where(found, piece_offset(windows["piece_ends"], end_position), 0)
        return {
            "answer": tf.strings.substr(cleaned, byte_start, byte_end - byte_start),
            "start": char_offset(cleaned, byte_start),
            "end": char_offset(cleaned, byte_end),
            "score": tf.where(found, top, 0.0),
        }

    def answer(self, model: keras.Model, questions: tf.Tensor, contexts: tf.Tensor) -> dict[str, tf.Tensor]:
        """Answers from raw strings; the same graph the `answer` endpoint exports."""
        windows = self.windows(questions, contexts)
        logits = model({key: windows[key] for key in ("token_ids", "segment_ids", "padding_mask")}, training=False)
        return self.decode(windows, logits["start_logits"], logits["end_logits"], contexts)


def char_offset(text: tf.Tensor, byte_offset: tf.Tensor) -> tf.Tensor:
    """Unicode character offsets for byte offsets into valid UTF-8 `text` (same shape)."""
    return tf.cast(tf.strings.length(tf.strings.substr(text, tf.zeros_like(byte_offset), byte_offset), unit="UTF8_CHAR"), tf.int64)


def byte_offsets(texts: list[str], char_offsets: list[int]) -> np.ndarray:
    """Byte offsets into the UTF-8 encoding of `texts` for Python character offsets."""
    return np.array([len(text[:offset].encode("utf-8")) for text, offset in zip(texts, char_offsets)], dtype=np.int64)
