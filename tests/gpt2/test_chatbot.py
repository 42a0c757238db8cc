"""A short real pre-training and fine-tuning run: perplexities, the chat template in the graph,
and the export read back by TF Serving's session-based loader (`-m slow`: about a minute)."""
import json
import warnings

import numpy as np
import pytest
from gpt2_helpers import TINY, TINY_CHATBOT, keras_hub_new_tokens

import zoo

from serving.export.exporter import export
from serving.saved_model import SessionModel
from zoo.gpt2.chat_template import QUESTION_ANSWER
from zoo.errors import ZooError
from zoo.gpt2.task import greedy_settings
from zoo.progress import read_progress
from zoo.workflow import Workflow, load_trained


def test_fine_tuning_lowers_held_out_perplexity(tiny_runs, tmp_path):
    report = tiny_runs.chatbot_task.evaluate(tiny_runs.chatbot, tmp_path)
    before, after = report.metrics["test_perplexity_before"], report.metrics["test_perplexity_after"]
    assert after < 0.8 * before, (before, after)
    assert (tmp_path / "answers.md").read_text().startswith("| held-out question |")


def test_pretraining_reports_perplexity_and_samples(tiny_runs, tmp_path):
    report = tiny_runs.base_task.evaluate(tiny_runs.base, tmp_path)
    assert 1 < report.metrics["test_perplexity"] < 50257  # better than a uniform guess over the vocabulary
    assert report.tables["samples"].count("| greedy |") == 3 and report.tables["samples"].count("| sampled |") == 3


def test_chat_applies_the_template_in_the_graph(tiny_runs):
    chat, generate_endpoint = tiny_runs.chatbot_task.endpoints(tiny_runs.chatbot)
    questions = ["What is a computer?", "  Who are you?"]
    answers = chat(question=np.array(questions, dtype=object), answer_prefix=np.array(["", ""], dtype=object), **greedy_settings(12))
    prompted = generate_endpoint(prompts=np.array([QUESTION_ANSWER.prompt(q) for q in questions], dtype=object), **greedy_settings(12))
    np.testing.assert_array_equal(answers["token_ids"], prompted["token_ids"])
    continued = chat(question=np.array(questions[:1], dtype=object), answer_prefix=answers["text"][:1], **greedy_settings(4))
    assert continued["num_tokens"][0] <= 4


@pytest.fixture(scope="module")
def exported(tiny_runs, tmp_path_factory):
    model = tiny_runs.chatbot
    return export(model, tiny_runs.chatbot_task.endpoints(model), tmp_path_factory.mktemp("exports") / "chatbot")


@pytest.mark.slow
def test_export_verifies_with_the_session_loader(exported):
    report = exported.verification
    assert report.ok and {check.loader for check in report.checks} == {"session loader", "tf.saved_model", "saved graph"}
    assert exported.signatures == ["chat", "generate", "serving_default"]
    assert json.loads((exported.path / "assets.extra" / "export.json").read_text())["default_signature"] == "chat"


@pytest.mark.slow
def test_exported_greedy_equals_in_process_generate_token_for_token(exported, tiny_runs):
    model = tiny_runs.chatbot
    prompts = [QUESTION_ANSWER.prompt("What is your favorite food?"), "In the beginning"]
    session = SessionModel.load(exported.path)
    try:
        served = session.run("generate", {"prompts": np.array(prompts, dtype=object), **greedy_settings(10)})
        with pytest.raises(Exception, match="temperature must be >= 0"):
            session.run("generate", {"prompts": np.array(prompts, dtype=object), **greedy_settings(10),
                                     "temperature": np.array(-1.0, "float32")})
    finally:
        session.close()
    for prompt, ids, count in zip(prompts, served["token_ids"], served["num_tokens"]):
        assert [int(i) for i in ids[:count]] == keras_hub_new_tokens(model, prompt, 10)


def test_demo_streams_a_reply_in_chunks_and_builds_both_tabs(demo_backends, tmp_path):
    import gradio as gr

    from demos.gpt2 import build_tab, stream

    backend = demo_backends["chatbot"][1]

    def request(so_far, tokens):
        return backend.predict({"question": np.array(["What is a computer?"], dtype=object),
                                "answer_prefix": np.array([so_far], dtype=object), **greedy_settings(tokens)}, "chat")

    texts = list(stream(request, max_new_tokens=10, chunk=4))
    assert 1 <= len(texts) <= 3 and all(later.startswith(earlier) for earlier, later in zip(texts, texts[1:]))
    with gr.Blocks():
        for task, task_backend in demo_backends.values():
            build_tab(task, task_backend, tmp_path)


def test_a_chatbot_on_the_zoos_gpt2_requires_it_and_never_trains_it(tmp_path):
    task = zoo.get_task("chatbot", TINY_CHATBOT)
    assert task.requires() == ("gpt2_generate",)
    assert not task.serves_untrained(), "a GPT-2 trained here is not worth serving before its fine-tune"
    with pytest.raises(ZooError, match="builds on the trained gpt2_generate; run it through zoo.workflow"):
        task.build_model()
    assert zoo.get_task("chatbot").requires() == () and zoo.get_task("chatbot").serves_untrained()


def test_the_workflow_trains_what_a_task_requires_first(tmp_path):
    for name, config in (("gpt2_generate", TINY), ("chatbot", {**TINY_CHATBOT, "steps_per_epoch": 2})):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text(zoo.get_task(name, config).config.to_json())
    flow = Workflow(tmp_path, verbose=0)
    flow.train(flow.task("chatbot"))
    for name in ("gpt2_generate", "chatbot"):
        assert flow.is_trained(flow.task(name)), name
        progress = read_progress(flow.run(name).progress)
        assert progress.phase == "trained" and progress.epoch + 1 == progress.epochs and progress.loss, name


def test_chatbot_starts_from_the_trained_base_it_was_given(tiny_runs):
    base = tiny_runs.chatbot_task.base_model()
    assert len(base.weights) == len(tiny_runs.base.weights)
    for loaded, trained in zip(base.weights, tiny_runs.base.weights):
        np.testing.assert_array_equal(loaded.numpy(), trained.numpy())


def test_loading_a_finished_run_does_not_warn_about_optimizer_slots(tiny_runs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, model = load_trained("gpt2_generate", tiny_runs.workdir)
    assert not [w for w in caught if "optimizer" in str(w.message)]
    for loaded, trained in zip(model.weights, tiny_runs.base.weights):
        np.testing.assert_array_equal(loaded.numpy(), trained.numpy())
