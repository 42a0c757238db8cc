"""Shapes, masking, step-by-step decoding and saving of the untrained translators."""
import keras
import numpy as np
import pytest
import tensorflow as tf
from translation_helpers import tiny_task

from zoo.cross_attention import cross_attention_scores
from zoo.translation.decoding import beam_search, greedy_decode, source_ids
from zoo.translation.tokenizer import END, PAD, START

VARIANTS = {
    "gru": ("translation_rnn", {}),
    "lstm_bidirectional_2_layers": ("translation_rnn", {"cell": "lstm", "bidirectional": True, "num_layers": 2}),
    "additive": ("translation_attention", {"attention": "additive"}),
    "dot_lstm": ("translation_attention", {"attention": "dot", "cell": "lstm", "bidirectional": False}),
    "transformer": ("translation_transformer", {"num_layers": 1}),
}
SOURCES = np.array([[5, 9, 7, 12, END, PAD, PAD], [6, END, PAD, PAD, PAD, PAD, PAD]], "int32")
TARGETS = np.array([[START, 8, 9, 10, PAD, PAD], [START, 11, PAD, PAD, PAD, PAD]], "int32")


@pytest.fixture(scope="module", params=[
    "gru", "additive", "transformer",
    pytest.param("lstm_bidirectional_2_layers", marks=pytest.mark.slow), pytest.param("dot_lstm", marks=pytest.mark.slow),
])
def model(request):
    name, overrides = VARIANTS[request.param]
    keras.utils.set_random_seed(3)
    return tiny_task(name, **overrides).build_model()


def in_graph(function, *args):
    """Tokenization runs in graphs (tf.data, endpoints); in eager keras-hub returns lists."""
    return tf.function(lambda: function(*args))()


def logits(model, sources=SOURCES, targets=TARGETS):
    return np.asarray(model({"source_ids": sources, "target_ids": targets}))


def test_logits_have_one_row_per_target_position(model):
    assert logits(model).shape == (2, 6, len(model.target_vocabulary))


def test_source_padding_changes_nothing(model):
    wider = np.pad(SOURCES, [[0, 0], [0, 5]])
    np.testing.assert_allclose(logits(model, wider), logits(model), atol=1e-5)


def test_a_position_sees_only_the_targets_before_it(model):
    changed = TARGETS.copy()
    changed[0, 3] = 20
    before, after = logits(model), logits(model, targets=changed)
    np.testing.assert_allclose(after[:, :3], before[:, :3], atol=1e-5)
    assert not np.allclose(after[0, 3:], before[0, 3:])


def test_decoding_a_step_at_a_time_matches_teacher_forcing(model):
    memory, carry = model.encode(SOURCES)
    full = logits(model)
    for t in range(4):
        step, carry, attention = model.decode_step(tf.constant(TARGETS), t, carry, memory)
        np.testing.assert_allclose(np.asarray(step)[0], full[0, t], atol=1e-4)
        assert attention.shape == SOURCES.shape


def test_attention_weights_cover_the_real_source_tokens_only(model):
    ids, attention = greedy_decode(model, tf.constant(SOURCES), 5)
    attention = np.asarray(attention)
    if not model.has_attention_map:
        assert not attention.any()
        return
    produced = np.asarray(ids) != PAD
    np.testing.assert_allclose(attention.sum(-1)[produced], 1.0, atol=1e-5)
    assert np.all(attention[~np.asarray(SOURCES != PAD)[:, None, :].repeat(attention.shape[1], 1)] < 1e-6)


def test_beam_width_one_is_greedy_decoding_exactly(model):
    ids = in_graph(source_ids, model, tf.constant(["trescientos cuarenta y dos", "", "mil novecientos", "hello there"]))
    greedy, greedy_attention = greedy_decode(model, ids, 12)
    beam, beam_attention = beam_search(model, ids, 12, 1)
    np.testing.assert_array_equal(np.asarray(beam), np.asarray(greedy))
    np.testing.assert_allclose(np.asarray(beam_attention), np.asarray(greedy_attention), atol=1e-6)


def test_beam_search_returns_one_well_formed_hypothesis_per_sentence(model):
    ids = in_graph(source_ids, model, tf.constant(["trescientos cuarenta y dos", "enero"]))
    out, attention = beam_search(model, ids, 7, 4)
    out = np.asarray(out)
    assert out.shape[0] == 2 and out.shape[1] <= 7 and attention.shape[:2] == out.shape
    assert not np.isin(out, [START, END]).any()
    for row in out:   # padding only after the last real token
        real = np.flatnonzero(row != PAD)
        assert real.size == 0 or np.all(row[:real[-1] + 1] != PAD)


def test_the_model_round_trips_through_a_keras_file(model, tmp_path):
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert loaded.source_vocabulary == model.source_vocabulary and loaded.target_vocabulary == model.target_vocabulary
    np.testing.assert_allclose(logits(loaded), logits(model), atol=1e-6)



def test_the_transformer_map_is_the_attention_each_decoding_step_saw():
    """One teacher-forced pass gives, row by row, the cross-attention of decoding the prefix."""
    keras.utils.set_random_seed(3)
    model = tiny_task("translation_transformer", num_layers=2).build_model()
    outputs = np.array([[8, 9, 10, END, PAD], [11, END, PAD, PAD, PAD]], "int32")
    attention = np.asarray(model.output_attention(tf.constant(SOURCES), tf.constant(outputs), None))
    memory, _ = model.encode(SOURCES)
    for t in range(outputs.shape[1]):
        prefix = np.concatenate([np.full((2, 1), START, "int32"), outputs[:, :t]], axis=1)
        x = model.target_embedding(prefix)
        padding = tf.constant(prefix != PAD)
        for layer in model.decoder_layers[:-1]:
            x = layer(x, encoder_sequence=memory["outputs"], decoder_padding_mask=padding,
                      encoder_padding_mask=memory["mask"])
        step = cross_attention_scores(model.decoder_layers[-1], x, memory["outputs"], padding, memory["mask"])
        expected = np.asarray(tf.reduce_mean(step, axis=1))[:, -1] * (outputs[:, t] != PAD)[:, None]
        np.testing.assert_allclose(attention[:, t], expected, atol=1e-5)
