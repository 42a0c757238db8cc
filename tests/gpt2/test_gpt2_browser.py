"""The GPT tabs in a real browser, at their edges: a blank chat message is refused before the
model is called, an over-long one or a seed that does not fit gets the sentence the graph or the
tab gives, and the chat stays usable and then answers as the endpoint does; the generation tab
says when it had no prompt, refuses an over-long prompt and an unusable seed with sentences,
and continues a prompt as the endpoint does. The chatbot's evaluation table keeps an answer
holding a code block in its cell."""
import numpy as np
import pytest
from browser_helpers import (answer, field, refusal, send_message, set_number, show_tab, tab_page, text_of,
                             validation_message)

from demos.gpt2 import build_tab, stream
from zoo.gpt2.task import settings
from zoo.tables import markdown_table

TOO_LONG = "word " * 100
"""Over 100 tokens: past the tiny models' 64-token context window."""
TOO_LONG_SENTENCE = ("A prompt is too long: it must be under the 64-token context window, counting any template and "
                     "start token.")
HUGE_SEED = "1e30"
SEED_SENTENCE = "A seed must be a whole number from -9,223,372,036,854,775,808 to 9,223,372,036,854,775,807."
CODE_ANSWER = "Like this:\n```python\ndef f(x):\n    return x | 1\n```"


@pytest.fixture(scope="module")
def gpt_page(demo_backends, browser, tmp_path_factory):
    tabs = []
    for name in ("gpt2_generate", "chatbot"):
        artifacts = tmp_path_factory.mktemp(f"{name}_evaluation")
        if name == "chatbot":
            (artifacts / "answers.md").write_text(markdown_table(
                ["held-out question", "reference answer", "base (greedy)", "fine-tuned (greedy)"],
                [["How do I write a function?", "def", "I do not know", CODE_ANSWER], ["Hi?", "Hello", "hi", "Hello!"]]))
        tabs.append((*demo_backends[name], artifacts))
    with tab_page(browser, build_tab, tabs) as page:
        yield page


def expected_text(backend, signature: str, inputs: dict, config, temperature: float) -> str:
    """What the tabs stream for `inputs`, asked of the endpoint directly."""
    def request(so_far: str, tokens: int):
        text_input = {"answer_prefix": so_far} if signature == "chat" else {"prompts": inputs["prompts"] + so_far}
        fields = {**inputs, **text_input}
        return backend.predict({k: np.array([v], dtype=object) for k, v in fields.items()} |
                               settings(tokens, temperature, config.top_k, config.top_p, 0), signature_name=signature)

    return list(stream(request, config.max_new_tokens))[-1]


@pytest.mark.browser
def test_chat_tab_refuses_with_sentences_and_stays_usable(gpt_page, demo_backends):
    page, (task, backend) = gpt_page, demo_backends["chatbot"]
    show_tab(page, "chatbot")
    field(page, "chatbot-message").fill("  \n ")
    field(page, "chatbot-message").press("Enter")
    assert validation_message(page, "chatbot-message") == "Type a question first."
    assert send_message(page, "chatbot-message", "chatbot-chat", TOO_LONG) == [f"Not answered\n{TOO_LONG_SENTENCE}"]
    set_number(page, "chatbot-seed", HUGE_SEED)
    assert send_message(page, "chatbot-message", "chatbot-chat", "What is a computer?") == [f"Not answered\n{SEED_SENTENCE}"]
    set_number(page, "chatbot-seed", 0)
    answer = expected_text(backend, "chat", {"question": "What is a computer?"}, task.config, task.config.temperature)
    assert send_message(page, "chatbot-message", "chatbot-chat", "What is a computer?") == [answer.strip()]


@pytest.mark.browser
def test_chatbot_evaluation_table_keeps_a_code_block_in_its_cell(gpt_page):
    page = gpt_page
    show_tab(page, "chatbot")
    rows = page.locator("#chatbot-answers table tr")
    assert [row.locator("th, td").count() for row in rows.all()] == [4, 4, 4]
    cell = rows.nth(1).locator("td").nth(3)
    assert cell.locator("code").inner_text().replace("\xa0", " ") == "def f(x):\n    return x | 1"
    assert cell.inner_text().startswith("Like this:") and "```" not in cell.inner_text() and "<br>" not in cell.inner_text()


@pytest.mark.browser
def test_generate_tab_at_its_edges(gpt_page, demo_backends):
    page, (task, backend) = gpt_page, demo_backends["gpt2_generate"]
    show_tab(page, "gpt2_generate")
    set_number(page, "gpt2_generate-temperature", 0)
    assert answer(page, "Generate", {"gpt2_generate-prompt": ""}, "gpt2_generate-note") == \
        "No prompt: the model began a text of its own."
    assert text_of(page, "gpt2_generate-output") == expected_text(backend, "generate", {"prompts": ""}, task.config, 0.0)
    assert refusal(page, "Generate", {"gpt2_generate-prompt": TOO_LONG}) == TOO_LONG_SENTENCE
    set_number(page, "gpt2_generate-seed", HUGE_SEED)
    assert refusal(page, "Generate", {"gpt2_generate-prompt": "In the beginning"}) == SEED_SENTENCE
    set_number(page, "gpt2_generate-seed", 0)
    continuation = expected_text(backend, "generate", {"prompts": "In the beginning"}, task.config, 0.0)
    assert answer(page, "Generate", {}, "gpt2_generate-output") == "In the beginning" + continuation
    assert text_of(page, "gpt2_generate-note") == ""
