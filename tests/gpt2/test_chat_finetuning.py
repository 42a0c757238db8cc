"""The chatbot on a pretrained causal LM (a tiny llama converted from GGUF, with ChatML tokens):
its own chat template, answer-only loss, LoRA merged before serving, and clear errors for empty
and over-long questions."""
from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from zoo.errors import ZooError
from zoo.io import file_sha256
from zoo.gpt2.chat_template import chat_template_for
from zoo.gpt2.models import AnswerOnlyPreprocessor, has_lora, merged, preset_causal_lm, preset_tokenizer
from zoo.gpt2.task import greedy_settings

IDS = {"token_ids": np.array([[1, 60, 70, 80, 2]]), "padding_mask": np.ones((1, 5), "int32")}


def test_chatml_template_and_answer_only_weights(tiny_llama_preset):
    tokenizer = preset_tokenizer(str(tiny_llama_preset))
    template = chat_template_for(tokenizer, system_prompt="Be brief.")
    assert template.name == "chatml" and not template.add_start_token
    prompt = template.prompt("  What is a computer? ")
    assert prompt == ("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is a computer?<|im_end|>\n"
                      "<|im_start|>assistant\n")
    preprocessor = AnswerOnlyPreprocessor(tokenizer, sequence_length=80, add_start_token=False)
    x, y, weights = preprocessor({"prompt": tf.constant([prompt]), "answer": tf.constant([template.answer(" A machine. ")])})
    answer_ids = [int(i) for i in tokenizer("A machine.")]
    assert np.asarray(y)[0][np.asarray(weights)[0] > 0].tolist() == answer_ids + [tokenizer.token_to_id("<|im_end|>")]
    prompt_ids = [int(i) for i in tokenizer(prompt)]
    assert np.asarray(x["token_ids"])[0][:len(prompt_ids)].tolist() == prompt_ids  # no start token before the turn


def test_lora_trains_adapters_only_and_is_merged_for_serving(tiny_lora_chatbot):
    task, model = tiny_lora_chatbot
    assert has_lora(model)
    assert {v.path.rsplit("/", 1)[-1] for v in model.trainable_weights} == {"lora_kernel_a", "lora_kernel_b"}
    assert any(np.abs(v.numpy()).max() > 0 for v in model.trainable_weights if v.path.endswith("lora_kernel_b"))
    served = task.serving_model(model)
    assert not has_lora(served) and served.backbone.dtype_policy.name == "float32"
    np.testing.assert_allclose(served(IDS), model(IDS), atol=0.3)  # trained under bfloat16 where the CPU has it
    base = task.base_model()
    assert np.abs(np.asarray(base(IDS)) - np.asarray(served(IDS))).max() > 0.05  # the adapters changed the model


def test_merge_folds_lora_into_the_kernels_exactly(tiny_llama_preset):
    model = preset_causal_lm(str(tiny_llama_preset))
    before = np.asarray(model(IDS))
    model.backbone.enable_lora(2)
    rng = np.random.default_rng(0)
    for variable in model.backbone.weights:
        if "lora_kernel" in variable.path:
            variable.assign(rng.normal(0, 0.3, variable.shape).astype("float32"))
    with_adapters = np.asarray(model(IDS))
    assert np.abs(with_adapters - before).max() > 0.1
    folded = merged(model)
    assert not has_lora(folded) and len(folded.weights) < len(model.weights)
    np.testing.assert_allclose(folded(IDS), with_adapters, atol=1e-4)


def test_chat_endpoint_refuses_empty_and_over_long_questions(tiny_lora_chatbot):
    task, model = tiny_lora_chatbot
    chat = task.endpoints(task.serving_model(model))[0]
    answer = chat(question=np.array(["Hi"], dtype=object), answer_prefix=np.array([""], dtype=object), **greedy_settings(4))
    assert 1 <= answer["num_tokens"][0] <= 4
    with pytest.raises(ZooError, match="a question is empty"):
        chat(question=np.array(["   "], dtype=object), answer_prefix=np.array([""], dtype=object), **greedy_settings(4))
    with pytest.raises(ZooError, match="a prompt is too long: it must be under the 96-token"):
        chat(question=np.array(["word " * 40], dtype=object), answer_prefix=np.array([""], dtype=object), **greedy_settings(4))


@pytest.mark.slow
def test_lora_chatbot_exports_merged_and_verifies(tiny_lora_chatbot, tmp_path):
    from serving.export.exporter import export

    task, model = tiny_lora_chatbot
    served = task.serving_model(model)
    result = export(served, task.endpoints(served), tmp_path / "chatbot")
    assert result.verification.ok and result.signatures == ["chat", "generate", "serving_default"]
    reader = tf.train.load_checkpoint(str(result.path / "variables" / "variables"))
    names = list(reader.get_variable_to_shape_map())
    assert names and not [name for name in names if "lora" in name]


@pytest.mark.slow
def test_the_pretrained_chatbot_is_served_first_and_its_fine_tune_replaces_it(tiny_llama_preset, tmp_path):
    import json

    import zoo
    from serving.export.exporter import METADATA_FILE, versions
    from zoo.progress import read_progress
    from zoo.workflow import Step, Workflow

    config = zoo.get_task("chatbot", base=str(tiny_llama_preset), system_prompt="Be brief.", lora_rank=2,
                          sequence_length=48, context_length=96, batch_size=8, steps_per_epoch=2, epochs=1,
                          max_new_tokens=4).config
    (tmp_path / "models" / "chatbot").mkdir(parents=True)
    (tmp_path / "models" / "chatbot" / "config.json").write_text(config.to_json())
    flow = Workflow(tmp_path / "models", tmp_path / "exports", verbose=0, verify=False)  # exports verify in tests/test_export.py
    question = {"question": tf.constant(["What is a computer?"]), "answer_prefix": tf.constant([""]),
                **{k: tf.constant(v) for k, v in greedy_settings(4).items()}}

    assert flow.build([Step("chatbot", "untrained")]) == []
    base = tmp_path / "exports" / "chatbot"
    assert versions(base) == [1]
    first = json.loads((base / "1" / METADATA_FILE).read_text())
    assert first["weights"] == "untrained" and first["model_sha256"] is None
    progress = read_progress(flow.run("chatbot").progress)
    assert progress.phase == "queued" and "serving the pretrained weights" in progress.message
    pretrained_answer = tf.saved_model.load(str(base / "1")).signatures["chat"](**question)["text"].numpy()
    task = flow.task("chatbot")
    zero_shot = task.answers(task.chat_model(task.base_model(), task.config.sequence_length), ["What is a computer?"])
    assert pretrained_answer[0].decode(errors="replace").strip() == zero_shot[0], "version 1 is the base as it ships"

    assert flow.build([Step("chatbot", "untrained"), Step("chatbot")]) == []
    assert versions(base) == [1, 2], "the untrained step does nothing once an export exists"
    second = json.loads((base / "2" / METADATA_FILE).read_text())
    assert second["weights"] == "trained" and second["model_sha256"] == file_sha256(flow.run("chatbot").model)
    assert read_progress(flow.run("chatbot").progress).phase == "ready"
