"""Sampler settings, stopping and errors of the in-graph generation, on a tiny random GPT-2."""
import keras
import keras_hub
import numpy as np
import pytest
from gpt2_helpers import keras_hub_new_tokens

from zoo.errors import ZooError
from zoo.gpt2.config import GPT2Config
from zoo.gpt2.generation import generate
from zoo.gpt2.models import build_causal_lm
from zoo.gpt2.task import generate_endpoint, generate_examples, greedy_settings
from zoo.gpt2.tokenizer import END_TOKEN_ID

PROMPTS = ["Hello world", "The Lord is my shepherd, I shall"]


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(1)
    return build_causal_lm(GPT2Config(num_layers=2, num_heads=2, hidden_dim=32, intermediate_dim=64, sequence_length=32))


@pytest.fixture(scope="module")
def endpoint(model):
    return generate_endpoint(model, generate_examples(PROMPTS, GPT2Config().max_new_tokens))


def run(endpoint, prompts=PROMPTS, **settings):
    inputs = {**greedy_settings(8), **{k: np.array(v, endpoint.input_signature[k].dtype.as_numpy_dtype) for k, v in settings.items()}}
    return endpoint(prompts=np.array(prompts, dtype=object), **inputs)


def test_greedy_equals_keras_hub_generate_token_for_token(model, endpoint):
    out = run(endpoint, max_new_tokens=10)
    for prompt, text, ids, count in zip(PROMPTS, out["text"], out["token_ids"], out["num_tokens"]):
        assert [int(i) for i in ids[:count]] == keras_hub_new_tokens(model, prompt, 10)
        assert count == 10 and (ids != -1).sum() == 10
        assert prompt + text.decode() == generate(model, [prompt], "greedy", max_length=1 + len(model.preprocessor.tokenizer(prompt)) + 10)[0]


def test_a_batch_gives_each_prompt_its_own_result(endpoint):
    together = run(endpoint, max_new_tokens=6)
    for i, prompt in enumerate(PROMPTS):
        alone = run(endpoint, [prompt], max_new_tokens=6)
        np.testing.assert_array_equal(alone["token_ids"][0], together["token_ids"][i])


def test_temperature_zero_is_greedy_whatever_the_other_settings(endpoint):
    greedy = run(endpoint)["token_ids"]
    np.testing.assert_array_equal(run(endpoint, top_k=5, top_p=0.5, seed=42)["token_ids"], greedy)


def test_seeded_sampling_is_reproducible_and_seeds_differ(endpoint):
    first = run(endpoint, temperature=1.0, seed=3)["token_ids"]
    np.testing.assert_array_equal(run(endpoint, temperature=1.0, seed=3)["token_ids"], first)
    assert not np.array_equal(run(endpoint, temperature=1.0, seed=4)["token_ids"], first)
    assert not np.array_equal(run(endpoint)["token_ids"], first)


def test_top_k_one_and_a_tiny_top_p_are_greedy(endpoint):
    greedy = run(endpoint)["token_ids"]
    np.testing.assert_array_equal(run(endpoint, temperature=1.5, top_k=1, seed=9)["token_ids"], greedy)
    np.testing.assert_array_equal(run(endpoint, temperature=1.5, top_p=1e-6, seed=9)["token_ids"], greedy)


def test_top_k_limits_the_choice(model, endpoint):
    """With top_k=2 every sampled token is one of the two most likely after its prefix."""
    out = run(endpoint, [PROMPTS[0]], temperature=5.0, top_k=2, seed=1, max_new_tokens=6)
    tokenizer = model.preprocessor.tokenizer
    prefix = [END_TOKEN_ID, *map(int, tokenizer(PROMPTS[0]))]
    for token in out["token_ids"][0]:
        logits = model({"token_ids": np.array([prefix]), "padding_mask": np.ones((1, len(prefix)), bool)})[0, -1]
        assert token in np.argsort(np.asarray(logits))[-2:]
        prefix.append(int(token))


def test_generation_stops_at_the_end_token_and_leaves_it_out():
    """A model made to always predict the end token: the loop stops at once, nothing is returned."""
    keras.utils.set_random_seed(2)
    model = build_causal_lm(GPT2Config(num_layers=1, num_heads=2, hidden_dim=32, intermediate_dim=64, sequence_length=32))
    backbone = model.backbone
    norm = backbone.layer_norm
    norm.gamma.assign(np.zeros(32, "float32"))
    norm.beta.assign(np.eye(32, dtype="float32")[0])
    embeddings = np.zeros(backbone.token_embedding.embeddings.shape, "float32")
    embeddings[END_TOKEN_ID, 0] = 10.0
    backbone.token_embedding.embeddings.assign(embeddings)
    out = run(generate_endpoint(model, generate_examples(PROMPTS, GPT2Config().max_new_tokens)), max_new_tokens=8)
    assert out["num_tokens"].tolist() == [0, 0] and out["text"].tolist() == [b"", b""]
    assert out["token_ids"].shape == (2, 0)


def test_empty_prompt_generates_from_the_start_token(endpoint):
    out = run(endpoint, [""], max_new_tokens=5)
    assert out["num_tokens"][0] == 5 and out["text"][0]


def test_new_tokens_are_capped_by_the_context_window(endpoint):
    out = run(endpoint, [PROMPTS[0]], max_new_tokens=1000)
    assert out["num_tokens"][0] == 32 - 1 - 2


@pytest.mark.parametrize("settings, message", [
    ({"max_new_tokens": 0}, "max_new_tokens must be at least 1"),
    ({"temperature": -0.5}, "temperature must be >= 0"),
    ({"top_k": -1}, "top_k must be >= 0"),
    ({"top_p": 0.0}, "top_p must be in (0, 1]"),
    ({"top_p": 1.5}, "top_p must be in (0, 1]"),
])
def test_out_of_range_settings_are_rejected(endpoint, settings, message):
    with pytest.raises(ZooError, match=message.replace("(", r"\(").replace("]", r"\]")):
        run(endpoint, **settings)


def test_a_prompt_longer_than_the_context_window_is_rejected(endpoint):
    with pytest.raises(ZooError, match="prompt is too long.*32-token context window"):
        run(endpoint, ["word " * 40])


def test_beam_search_through_keras_hub(model):
    out = generate(model, PROMPTS[:1], keras_hub.samplers.BeamSampler(num_beams=3), max_length=12)
    assert out[0].startswith(PROMPTS[0]) and len(out[0]) > len(PROMPTS[0])
