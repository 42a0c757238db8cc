"""The offline pretrained GPT: a llama GGUF read, un-permuted and converted into a keras-hub
preset (checked against keras-hub's own loader on the same weights), and the errors a user meets
when the file is missing, corrupt or of another architecture."""
from __future__ import annotations

import hashlib
import json

import keras
import keras_hub
import numpy as np
import pytest
from tiny_gguf import CONFIG, hf_weights, permute_like_llama_cpp, write_gguf, write_reference_folder

from zoo.errors import ZooError
from zoo.gpt2 import pretrained
from zoo.gpt2.gguf_checkpoint import read_llama_gguf, unpermute_rope
from zoo.gpt2.pretrained import GGUFPreset, SpecialTokensTokenizer, TiedLlamaBackbone, convert_gguf, offline_preset

IDS = {"token_ids": np.array([[1, 40, 50, 60, 2, 70]]), "padding_mask": np.ones((1, 6), "int32")}


def test_unpermute_inverts_llama_cpp_permutation():
    weight = np.arange(24 * 5, dtype=np.float32).reshape(24, 5)
    for heads in (1, 2, 3, 6):
        permuted = permute_like_llama_cpp(weight, heads)
        assert not np.array_equal(permuted, weight)
        np.testing.assert_array_equal(unpermute_rope(permuted, heads), weight)


def test_reader_returns_the_original_tensors_under_hugging_face_names(tmp_path):
    weights = hf_weights()
    checkpoint = read_llama_gguf(write_gguf(tmp_path / "tiny.gguf", weights))
    assert checkpoint.config["num_hidden_layers"] == 2 and checkpoint.config["num_key_value_heads"] == 1
    assert checkpoint.rms_norm_eps == pytest.approx(1e-5) and checkpoint.config["tie_word_embeddings"]
    assert sorted(checkpoint.tensors) == sorted(weights)
    for name, value in weights.items():
        np.testing.assert_array_equal(checkpoint.tensors[name], value)  # q/k un-permuted exactly
    assert checkpoint.tokens[:3] == ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] and checkpoint.special_token_ids == [0, 1, 2]


def test_quantized_tensors_are_dequantized(tmp_path):
    weights = hf_weights()
    checkpoint = read_llama_gguf(write_gguf(tmp_path / "q8.gguf", weights, quantize=True))
    q = "model.layers.0.self_attn.q_proj.weight"
    error = np.abs(checkpoint.tensors[q] - weights[q]).max()
    assert 0 < error < 0.01 * np.abs(weights[q]).max()  # Q8_0: close, and un-permuted row for row


def test_converted_preset_computes_what_keras_hub_loads_from_the_same_weights(tmp_path):
    weights = hf_weights()
    target = convert_gguf(write_gguf(tmp_path / "tiny.gguf", weights), tmp_path / "preset")
    lm = keras_hub.models.CausalLM.from_preset(str(target))
    assert isinstance(lm.backbone, TiedLlamaBackbone)
    assert lm.backbone.get_config()["layer_norm_epsilon"] == pytest.approx(1e-5)  # the file's, not keras-hub's 1e-6
    reference = keras_hub.models.Llama3Backbone.from_preset(
        str(write_reference_folder(tmp_path / "hf", weights)), layer_norm_epsilon=CONFIG["eps"])
    np.testing.assert_allclose(lm.backbone(IDS), reference(IDS), atol=1e-5)
    tokenizer = lm.preprocessor.tokenizer
    assert (tokenizer.start_token_id, tokenizer.end_token_id) == (1, 2)
    assert [int(i) for i in tokenizer("<|im_start|> the<|im_end|>")] == [1, tokenizer.token_to_id("Ġthe"), 2]


def test_a_failed_check_writes_nothing(tmp_path):
    path = write_gguf(tmp_path / "tiny.gguf", hf_weights())
    with pytest.raises(ZooError, match="the conversion is wrong; nothing was written"):
        convert_gguf(path, tmp_path / "preset", checks=(("the", "NOT-A-TOKEN"),))
    assert not (tmp_path / "preset").exists() and [p.name for p in tmp_path.iterdir()] == ["tiny.gguf"]


def test_tied_backbone_and_special_tokens_survive_keras_saving(tmp_path):
    lm = keras_hub.models.CausalLM.from_preset(str(convert_gguf(write_gguf(tmp_path / "t.gguf", hf_weights()), tmp_path / "p")))
    lm.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(loaded.backbone(IDS), lm.backbone(IDS), atol=1e-6)
    assert loaded.preprocessor.tokenizer.end_token_id == 2
    tokenizer = SpecialTokensTokenizer.from_config(lm.preprocessor.tokenizer.get_config())
    assert (tokenizer.bos_token, tokenizer.eos_token) == ("<|im_start|>", "<|im_end|>")


def test_keras_hub_llama_config_still_drops_tie_word_embeddings():
    """When this fails, keras-hub keeps `tie_word_embeddings` itself: drop `TiedLlamaBackbone`."""
    backbone = keras_hub.models.Llama3Backbone(vocabulary_size=8, num_layers=1, num_query_heads=2, hidden_dim=4,
                                               intermediate_dim=8, num_key_value_heads=1, tie_word_embeddings=True)
    assert "tie_word_embeddings" not in backbone.get_config()


@pytest.mark.parametrize("content, architecture, message", [
    (None, "llama", "no GGUF file"),
    (b"GGUF but not really" * 10, "llama", "not a readable GGUF file"),
    ("gguf", "gpt2", "only the 'llama' architecture is supported"),
])
def test_bad_files_get_clear_errors(tmp_path, content, architecture, message):
    path = tmp_path / "model.gguf"
    if content == "gguf":
        write_gguf(path, hf_weights(), architecture=architecture)
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(ZooError, match=message):
        read_llama_gguf(path)


def fake_package(tmp_path, monkeypatch, content: bytes, sha256: str) -> GGUFPreset:
    package = tmp_path / "site" / "fake_weights"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('never imported')\n")
    (package / "model.gguf").write_bytes(content)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    preset = GGUFPreset("fake", "a test model", "fake_weights", "fake-weights==1", "model.gguf", sha256, checks=())
    monkeypatch.setitem(pretrained.OFFLINE_PRESETS, "fake", preset)
    return preset


def test_offline_preset_converts_once_into_the_cache(tmp_path, monkeypatch):
    content = write_gguf(tmp_path / "tiny.gguf", hf_weights()).read_bytes()
    fake_package(tmp_path, monkeypatch, content, hashlib.sha256(content).hexdigest())
    path = offline_preset("fake")
    assert path == tmp_path / "cache" / "presets" / "fake"
    assert json.loads((path / "source.json").read_text())["sha256"] == hashlib.sha256(content).hexdigest()
    stamp = (path / "model.weights.h5").stat().st_mtime_ns
    assert offline_preset("fake") == path and (path / "model.weights.h5").stat().st_mtime_ns == stamp  # not redone


def test_offline_preset_refuses_a_corrupt_file_and_names_the_package(tmp_path, monkeypatch):
    fake_package(tmp_path, monkeypatch, b"truncated", "0" * 64)
    with pytest.raises(ZooError, match=r"corrupt or not the expected release .* reinstall fake-weights==1"):
        offline_preset("fake")
    assert not (tmp_path / "cache" / "presets" / "fake").exists()
    monkeypatch.setitem(pretrained.OFFLINE_PRESETS, "gone", GGUFPreset("gone", "", "no_such_package_here", "gone==2", "m.gguf", "", ()))
    with pytest.raises(ZooError, match="needs the package gone==2"):
        offline_preset("gone")
    with pytest.raises(ZooError, match="no offline preset 'nope'"):
        offline_preset("nope")


@pytest.mark.slow
def test_smollm2_converts_and_answers_through_the_chat_endpoint():
    import zoo
    from zoo.gpt2.task import greedy_settings

    lm = keras_hub.models.CausalLM.from_preset(str(offline_preset("smollm2_135m_instruct")))
    assert lm.count_params() == 134_515_008
    assert pretrained.next_token(lm, "The capital of France is") == " Paris"
    task = zoo.get_task("chatbot")
    chat = task.endpoints(task.base_model())[0]
    answer = chat(question=np.array(["What is a computer?"], dtype=object), answer_prefix=np.array([""], dtype=object),
                  **greedy_settings(24))["text"][0].decode()
    assert "computer" in answer.lower() and "<|im_end|>" not in answer, answer
