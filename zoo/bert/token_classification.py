"""Named-entity recognition: a label per word piece (BIO over PER/LOC/ORG), trained on each
word's first piece, decoded back to entities with character offsets into the input text.

    ner = EntityTagger(tokenizer, sequence_length=64)
    model = build_token_classifier(backbone, len(LABELS))
    entities = ner.tag(model, tf.constant(["Anna Weber moved to Lyon."]))
    entities["text"][0, :2], entities["label"][0, :2]     # [b'Anna Weber', b'Lyon'], [b'PER', b'LOC']
"""
from __future__ import annotations

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from zoo.bert.conll import LABELS, TYPES, EntityTexts
from zoo.bert.question_answering import byte_offsets, char_offset
from zoo.bert.tokenization import WordPieces, clean_utf8


def build_token_classifier(backbone: keras_hub.models.BertBackbone, num_labels: int) -> keras.Model:
    """backbone inputs -> logits [batch, sequence, num_labels]."""
    inputs = backbone.input
    sequence = backbone(inputs)["sequence_output"]
    sequence = keras.layers.Dropout(0.1, name="dropout")(sequence)
    logits = keras.layers.Dense(num_labels, name="token_logits")(sequence)
    return keras.Model(inputs, logits, name="bert_token_classifier")


class EntityTagger:
    """Packing of texts as [CLS] pieces [SEP], BIO training labels, and entity decoding.

    Pieces past `sequence_length - 2` are cut, so words there are tagged O. Offsets are
    characters of the text after invalid UTF-8 became U+FFFD (the same as Python's str for
    valid input).
    """

    def __init__(self, tokenizer: keras_hub.models.BertTokenizer, sequence_length: int):
        self.pieces = WordPieces(tokenizer)
        self.tokenizer = tokenizer
        self.sequence_length = sequence_length
        self.packer = keras_hub.layers.StartEndPacker(
            sequence_length=sequence_length, start_value=tokenizer.cls_token_id,
            end_value=tokenizer.sep_token_id, pad_value=tokenizer.pad_token_id,
        )

    def inputs(self, texts: tf.Tensor):
        pieces = self.pieces(clean_utf8(texts))
        token_ids = self.packer(pieces.ids[:, : self.sequence_length - 2])
        inputs = {
            "token_ids": tf.cast(token_ids, tf.int32),
            "segment_ids": tf.zeros_like(token_ids, dtype=tf.int32),
            "padding_mask": tf.cast(token_ids != self.tokenizer.pad_token_id, tf.int32),
        }
        return inputs, pieces

    def training_data(self, data: EntityTexts) -> tuple[dict, np.ndarray, np.ndarray]:
        """Inputs, label per position (BIO index) and weights (1 on each word's first piece)."""
        inputs, pieces = self.inputs(tf.constant(data.texts))
        length = self.sequence_length
        labels = np.zeros((len(data), length), np.int32)
        weights = np.zeros((len(data), length), np.float32)
        word_ids = pieces.word_ids.to_list()
        word_starts = pieces.words.starts.to_list()
        for row, (text, spans) in enumerate(zip(data.texts, data.spans)):
            byte_spans = [(*byte_offsets([text] * 2, [s, e]), kind) for s, e, kind in spans]
            previous = -1
            for index, word in enumerate(word_ids[row][: length - 2]):
                if word == previous:
                    continue
                previous = word
                start = word_starts[row][word]
                label = "O"
                for span_start, span_end, kind in byte_spans:
                    if span_start <= start < span_end:
                        label = ("B-" if start == span_start else "I-") + kind
                labels[row, index + 1] = LABELS.index(label)
                weights[row, index + 1] = 1.0
        return {key: value.numpy() for key, value in inputs.items()}, labels, weights

    def tag(self, model: keras.Model, texts: tf.Tensor) -> dict[str, tf.Tensor]:
        """Entities per text, padded to the most entities in the batch: text, label, start, end
        (characters, end exclusive), score (mean probability of its words' labels), and count."""
        inputs, pieces = self.inputs(texts)
        probabilities = tf.nn.softmax(model(inputs, training=False), axis=-1)
        cleaned = clean_utf8(texts)
        # The first piece of each word, if it fits in the sequence, carries the word's label.
        word_ids = pieces.word_ids
        first = tf.concat([tf.ones_like(word_ids[:, :1], dtype=tf.bool), word_ids[:, 1:] != word_ids[:, :-1]], axis=1)
        position = tf.ragged.boolean_mask(tf.ragged.range(word_ids.row_lengths()) + 1, first)   # [N, (words)]
        row = position.value_rowids()
        position = position.flat_values
        fits = position < self.sequence_length - 1
        word_probabilities = tf.gather_nd(probabilities, tf.stack([row, tf.minimum(position, self.sequence_length - 1)], axis=1))
        label = tf.where(fits, tf.argmax(word_probabilities, axis=-1, output_type=tf.int32), 0)
        confidence = tf.reduce_max(word_probabilities, axis=-1)

        kind = (label + 1) // 2                               # 0 = O, 1.. = TYPES
        begins = label % 2 == 1                               # B- labels are odd
        starts_row = tf.concat([[True], row[1:] != row[:-1]], axis=0)
        previous_kind = tf.concat([[0], kind[:-1]], axis=0)
        opens = (kind > 0) & (begins | starts_row | (previous_kind != kind))
        inside = kind > 0
        entity = tf.boolean_mask(tf.cumsum(tf.cast(opens, tf.int64)) - 1, inside)
        count = tf.reduce_sum(tf.cast(opens, tf.int64))
        word_start = tf.boolean_mask(pieces.words.starts.flat_values, inside)
        word_end = tf.boolean_mask(pieces.words.ends.flat_values, inside)
        byte_start = tf.math.unsorted_segment_min(word_start, entity, count)
        byte_end = tf.math.unsorted_segment_max(word_end, entity, count)
        entity_row = tf.math.unsorted_segment_min(tf.boolean_mask(row, inside), entity, count)
        entity_kind = tf.boolean_mask(kind, opens)
        score = tf.math.unsorted_segment_mean(tf.boolean_mask(confidence, inside), entity, count)
        source = tf.gather(cleaned, entity_row)
        nrows = tf.shape(texts, out_type=tf.int64)[0]

        def per_text(values: tf.Tensor, default) -> tf.Tensor:
            return tf.RaggedTensor.from_value_rowids(values, entity_row, nrows=nrows).to_tensor(default_value=default)

        return {
            "text": per_text(tf.strings.substr(source, byte_start, byte_end - byte_start), ""),
            "label": per_text(tf.gather(tf.constant(("O", *TYPES)), entity_kind), ""),
            "start": per_text(char_offset(source, byte_start), -1),
            "end": per_text(char_offset(source, byte_end), -1),
            "score": per_text(score, 0.0),
            "count": tf.math.bincount(tf.cast(entity_row, tf.int32), minlength=tf.cast(nrows, tf.int32), dtype=tf.int64),
        }


def entity_scores(gold: list[set], predicted: list[set]) -> dict[str, float]:
    """Entity-level precision, recall and F1 (an entity counts when its span and type both
    match), and the F1 of each type alone (`per_f1`, `loc_f1`, `org_f1`).

        entity_scores([{(0, 5, "ORG")}], [{(0, 5, "PER")}])   # entity_f1 0.0, org_f1 0.0, per_f1 0.0
    """
    scores = _precision_recall_f1(gold, predicted)
    for kind in TYPES:
        only = lambda sets: [{entity for entity in entities if entity[2] == kind} for entities in sets]
        scores[f"{kind.lower()}_f1"] = _precision_recall_f1(only(gold), only(predicted))["entity_f1"]
    return scores


def _precision_recall_f1(gold: list[set], predicted: list[set]) -> dict[str, float]:
    true = sum(len(g & p) for g, p in zip(gold, predicted))
    n_predicted = sum(len(p) for p in predicted)
    n_gold = sum(len(g) for g in gold)
    precision = true / n_predicted if n_predicted else 0.0
    recall = true / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"entity_precision": precision, "entity_recall": recall, "entity_f1": f1}
