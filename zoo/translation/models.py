"""Encoder-decoder translators: an RNN (GRU or LSTM, with or without attention) and a
Transformer from keras-hub layers. Each owns its source and target tokenizers, so the
vocabularies are saved in `model.keras` and travel with every export.

Training inputs are numeric: `source_ids` [B, S] and `target_ids` [B, T] (the target after
`[START]`), int32 and `[PAD]`-padded; the output is next-token logits [B, T, V]. Padding is
masked inside the model (ids != `[PAD]`). Decoding uses the same layers one step at a time:

    model = build_translator(TranslationConfig(attention="additive"), source_vocabulary, target_vocabulary)
    logits = model({"source_ids": source_ids, "target_ids": target_ids})
    memory, carry = model.encode(source_ids)                          # once per sentence
    logits, carry, attention = model.decode_step(buffer, t, carry, memory)   # next token after buffer[:, :t+1]
"""
from __future__ import annotations

from typing import Sequence

import keras
import keras_hub
from keras import layers, ops

from zoo.cross_attention import cross_attention_scores
from zoo.translation.config import TranslationConfig
from zoo.translation.tokenizer import PAD, START, make_tokenizer

Memory = dict   # per-sentence encoder results: "outputs" [N, S, H], "mask" bool [N, S]
Carry = dict    # what a decoding step updates (RNN states; nothing for the Transformer)


class Translator(keras.Model):
    """Shared parts: the tokenizers, the sequence lengths, training-time `call`, and building."""

    has_attention_map = False

    def __init__(self, source_vocabulary: Sequence[str], target_vocabulary: Sequence[str],
                 source_length: int, target_length: int, **kwargs):
        super().__init__(**kwargs)
        self.source_vocabulary = list(source_vocabulary)
        self.target_vocabulary = list(target_vocabulary)
        self.source_length = source_length
        self.target_length = target_length
        self.source_tokenizer = make_tokenizer(self.source_vocabulary, lowercase=True)
        self.target_tokenizer = make_tokenizer(self.target_vocabulary, lowercase=False)

    def build(self, input_shape=None) -> None:
        """Create every weight by running the model once on a 1 x 2 batch of padding."""
        zeros = ops.zeros((1, 2), "int32")
        self.call({"source_ids": zeros, "target_ids": zeros})

    def call(self, inputs: dict, training: bool = False):
        memory, carry = self.encode(inputs["source_ids"], training=training)
        return self.decode(inputs["target_ids"], memory, carry, training=training)

    def encode(self, source_ids, training: bool = False) -> tuple[Memory, Carry]:
        raise NotImplementedError

    def decode(self, target_ids, memory: Memory, carry: Carry, training: bool = False):
        """Logits [N, T, V] for every target position at once (teacher forcing)."""
        raise NotImplementedError

    def decode_step(self, buffer, t, carry: Carry, memory: Memory):
        """Logits [N, V] of the token after `buffer[:, :t + 1]`, the new carry, and the
        attention over the source [N, S] (zeros for a model without an attention map)."""
        raise NotImplementedError

    def output_attention(self, source_ids, output_ids, stepwise):
        """The attention map [N, T, S] of decoded `output_ids` ([END] kept, [PAD] after it): by
        default `stepwise`, what `decode_step` reported at each step."""
        return stepwise

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "source_vocabulary": self.source_vocabulary, "target_vocabulary": self.target_vocabulary,
            "source_length": self.source_length, "target_length": self.target_length,
        }


@keras.saving.register_keras_serializable("zoo.translation")
class RNNTranslator(Translator):
    """Sutskever/Cho encoder-decoder: the encoder's final states start the decoder (a
    bidirectional encoder's two directions are joined by a dense bridge). With `attention`
    'additive' (Bahdanau's score) or 'dot' (Luong's), each decoder output attends over the
    encoder outputs and is combined with its context by a linear layer before the softmax
    (Luong's placement, so training runs the decoder over all positions at once)."""

    def __init__(self, source_vocabulary, target_vocabulary, source_length, target_length, *,
                 cell: str = "gru", num_layers: int = 1, units: int = 256, embedding_dim: int = 128,
                 bidirectional: bool = False, attention: str = "none", dropout: float = 0.0, **kwargs):
        super().__init__(source_vocabulary, target_vocabulary, source_length, target_length, **kwargs)
        self.cell, self.num_layers, self.units, self.embedding_dim = cell, num_layers, units, embedding_dim
        self.bidirectional, self.attention, self.dropout = bidirectional, attention, dropout
        self.has_attention_map = attention != "none"
        rnn = {"gru": layers.GRU, "lstm": layers.LSTM}[cell]
        self.states_per_layer = 2 if cell == "lstm" else 1
        self.source_embedding = layers.Embedding(len(self.source_vocabulary), embedding_dim, name="source_embedding")
        self.target_embedding = layers.Embedding(len(self.target_vocabulary), embedding_dim, name="target_embedding")
        self.encoder_layers, self.bridges, self.decoder_layers = [], [], []
        for i in range(num_layers):
            encoder = rnn(units, return_sequences=True, return_state=True, name=f"encoder_{i}")
            self.encoder_layers.append(layers.Bidirectional(encoder, name=f"bidirectional_encoder_{i}") if bidirectional else encoder)
            if bidirectional:
                self.bridges.append([layers.Dense(units, activation="tanh", name=f"bridge_{i}_{s}")
                                     for s in range(self.states_per_layer)])
            self.decoder_layers.append(rnn(units, return_sequences=True, return_state=True, name=f"decoder_{i}"))
        if self.has_attention_map:
            self.memory_projection = layers.Dense(units, use_bias=False, name="memory_projection")
            self.attention_layer = (layers.AdditiveAttention(name="additive_attention") if attention == "additive"
                                    else layers.Attention(name="dot_attention"))
            self.combine = layers.Dense(units, name="combine")   # linear: with tanh, training stalled on the Bible
        self.dropout_layer = layers.Dropout(dropout)
        self.output_layer = layers.Dense(len(self.target_vocabulary), name="logits")

    def encode(self, source_ids, training=False):
        mask = ops.not_equal(source_ids, PAD)
        x = self.dropout_layer(self.source_embedding(source_ids), training=training)
        states = []
        for i, layer in enumerate(self.encoder_layers):
            x, *final = layer(x, mask=mask, training=training)
            if self.bidirectional:   # [forward states..., backward states...] -> one per state kind
                n = self.states_per_layer
                final = [bridge(ops.concatenate([f, b], axis=-1)) for bridge, f, b in zip(self.bridges[i], final[:n], final[n:])]
            states.append(final)
        memory = {"mask": mask}
        if self.has_attention_map:
            memory["outputs"] = self.memory_projection(x)
        return memory, {"states": states}

    def decode(self, target_ids, memory, carry, training=False):
        # Targets are padded on the right and the decoder is causal, so padding needs no mask
        # here: the loss weights drop those positions (and no Keras mask reaches the loss).
        x = self.dropout_layer(self.target_embedding(target_ids), training=training)
        for layer, initial in zip(self.decoder_layers, carry["states"]):
            x = layer(x, initial_state=initial, training=training)[0]
        if self.has_attention_map:
            context = self.attention_layer([x, memory["outputs"]], mask=[None, memory["mask"]], training=training)
            x = self.combine(ops.concatenate([context, x], axis=-1))
        return self.output_layer(self.dropout_layer(x, training=training))

    def decode_step(self, buffer, t, carry, memory):
        x = self.target_embedding(buffer[:, t])
        states = []
        for layer, previous in zip(self.decoder_layers, carry["states"]):
            x, new = layer.cell(x, list(previous))
            states.append(list(new))
        if self.has_attention_map:
            context, scores = self.attention_layer(
                [x[:, None, :], memory["outputs"]], mask=[None, memory["mask"]], return_attention_scores=True)
            x = self.combine(ops.concatenate([context[:, 0], x], axis=-1))
            attention = scores[:, 0]
        else:
            attention = ops.zeros(ops.shape(memory["mask"]), "float32")
        return self.output_layer(x), {"states": states}, attention

    def get_config(self):
        return {**super().get_config(), "cell": self.cell, "num_layers": self.num_layers, "units": self.units,
                "embedding_dim": self.embedding_dim, "bidirectional": self.bidirectional,
                "attention": self.attention, "dropout": self.dropout}


@keras.saving.register_keras_serializable("zoo.translation")
class TransformerTranslator(Translator):
    """Vaswani et al.'s encoder-decoder from keras-hub's `TokenAndPositionEmbedding`,
    `TransformerEncoder` and `TransformerDecoder` (causal self-attention, cross-attention
    over the encoder). A decoding step reruns the decoder over the prefix (no cache), which
    is cheap at these lengths. Its attention map is the last decoder layer's cross-attention,
    averaged over heads (see `zoo.cross_attention`), computed once for the decoded tokens."""

    has_attention_map = True

    def __init__(self, source_vocabulary, target_vocabulary, source_length, target_length, *,
                 num_layers: int = 2, hidden_dim: int = 128, num_heads: int = 4, intermediate_dim: int = 256,
                 dropout: float = 0.0, **kwargs):
        super().__init__(source_vocabulary, target_vocabulary, source_length, target_length, **kwargs)
        self.num_layers, self.hidden_dim, self.num_heads = num_layers, hidden_dim, num_heads
        self.intermediate_dim, self.dropout = intermediate_dim, dropout
        self.source_embedding = keras_hub.layers.TokenAndPositionEmbedding(
            len(self.source_vocabulary), source_length, hidden_dim, name="source_embedding")
        self.target_embedding = keras_hub.layers.TokenAndPositionEmbedding(
            len(self.target_vocabulary), target_length, hidden_dim, name="target_embedding")
        self.encoder_layers = [keras_hub.layers.TransformerEncoder(intermediate_dim, num_heads, dropout, name=f"encoder_{i}")
                               for i in range(num_layers)]
        self.decoder_layers = [keras_hub.layers.TransformerDecoder(intermediate_dim, num_heads, dropout, name=f"decoder_{i}")
                               for i in range(num_layers)]
        self.output_layer = layers.Dense(len(self.target_vocabulary), name="logits")

    def encode(self, source_ids, training=False):
        mask = ops.not_equal(source_ids, PAD)
        x = self.source_embedding(source_ids)
        for layer in self.encoder_layers:
            x = layer(x, padding_mask=mask, training=training)
        return {"outputs": x, "mask": mask}, {}

    def decode(self, target_ids, memory, carry, training=False):
        x = self.target_embedding(target_ids)
        for layer in self.decoder_layers:
            x = layer(x, encoder_sequence=memory["outputs"], decoder_padding_mask=ops.not_equal(target_ids, PAD),
                      encoder_padding_mask=memory["mask"], training=training)
        return self.output_layer(x)

    def decode_step(self, buffer, t, carry, memory):
        logits = self.decode(buffer[:, :t + 1], memory, carry)[:, -1]
        return logits, carry, ops.zeros(ops.shape(memory["mask"]), "float32")

    def output_attention(self, source_ids, output_ids, stepwise):
        """From one teacher-forced pass over the decoded tokens: the weights decoding used (the
        decoder is causal). Recomputing them at every step instead slowed decoding by 11-18%."""
        memory, _ = self.encode(source_ids)
        inputs = ops.concatenate([ops.full((ops.shape(output_ids)[0], 1), START, "int32"), output_ids[:, :-1]], axis=1)
        padding = ops.not_equal(inputs, PAD)
        x = self.target_embedding(inputs)
        *lower, last = self.decoder_layers
        for layer in lower:
            x = layer(x, encoder_sequence=memory["outputs"], decoder_padding_mask=padding,
                      encoder_padding_mask=memory["mask"])
        scores = ops.mean(cross_attention_scores(last, x, memory["outputs"], padding, memory["mask"]), axis=1)
        return scores * ops.cast(ops.not_equal(output_ids, PAD), scores.dtype)[:, :, None]

    def get_config(self):
        return {**super().get_config(), "num_layers": self.num_layers, "hidden_dim": self.hidden_dim,
                "num_heads": self.num_heads, "intermediate_dim": self.intermediate_dim, "dropout": self.dropout}


def build_translator(config: TranslationConfig, source_vocabulary: Sequence[str], target_vocabulary: Sequence[str]) -> Translator:
    """A built (weights created), uncompiled translator for `config`."""
    common = dict(source_length=config.source_length, target_length=config.target_length, name=config.architecture)
    if config.architecture == "transformer":
        model = TransformerTranslator(source_vocabulary, target_vocabulary, num_layers=config.num_layers,
                                      hidden_dim=config.units, num_heads=config.num_heads,
                                      intermediate_dim=config.intermediate_dim, dropout=config.dropout, **common)
    else:
        model = RNNTranslator(source_vocabulary, target_vocabulary, cell=config.cell, num_layers=config.num_layers,
                              units=config.units, embedding_dim=config.embedding_dim, bidirectional=config.bidirectional,
                              attention=config.attention, dropout=config.dropout, **common)
    zeros = ops.zeros((1, 2), "int32")
    model({"source_ids": zeros, "target_ids": zeros})
    return model
