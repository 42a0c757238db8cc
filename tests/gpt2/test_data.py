import numpy as np
import tensorflow as tf

from zoo.gpt2 import chat_data, text
from zoo.gpt2.chat_template import QUESTION_ANSWER, chat_template_for
from zoo.gpt2.models import AnswerOnlyPreprocessor
from zoo.gpt2.tokenizer import END_TOKEN_ID, gpt2_tokenizer


def test_bible_passages_are_clean_english():
    passages = text.load_passages(20_000, passage_chars=300)
    assert passages[0].startswith("In the beginning, God created the heavens and the earth.")
    assert 20_000 <= sum(map(len, passages)) < 20_000 + 300
    assert all(len(p) <= 300 or " " not in p for p in passages)
    assert not any("<" in p or "strong:" in p for p in passages)


def test_clean_verse_drops_markup_and_footnotes():
    markup = ('<w lemma="strong:H0430">God</w><note placement="foot">The Hebrew word is Elohim.</note>'
              '<w lemma="strong:H1254">created</w> <w>light</w> .')
    assert text.clean_verse(markup) == "God created light."


def test_qa_pairs_and_split_by_question():
    pairs = chat_data.load_pairs()
    assert len(pairs) == 2026 and len({p.topic for p in pairs}) == 21
    split = chat_data.split_pairs(pairs, seed=0)
    assert len(split.train) + len(split.validation) + len(split.test) == len(pairs)
    questions = [{p.question for p in part} for part in (split.train, split.validation, split.test)]
    assert not (questions[0] & questions[1]) and not (questions[0] & questions[2]) and not (questions[1] & questions[2])
    assert chat_data.split_pairs(pairs, seed=0) == split != chat_data.split_pairs(pairs, seed=1)
    assert QUESTION_ANSWER.prompt("  What is a computer? ") == "Question: What is a computer?\nAnswer:"


def test_loss_covers_answer_tokens_and_end_token_only():
    tokenizer = gpt2_tokenizer()
    preprocessor = AnswerOnlyPreprocessor(tokenizer, sequence_length=32)
    template = chat_template_for(tokenizer)
    assert template is QUESTION_ANSWER  # GPT-2's vocabulary has no ChatML tokens
    prompt, answer = template.prompt("What is a computer?"), template.answer("A machine.")
    assert answer == " A machine."
    x, y, weights = preprocessor({"prompt": tf.constant([prompt]), "answer": tf.constant([answer])})
    answer_ids = [int(i) for i in tokenizer(answer)]
    weighted = np.asarray(y)[0][np.asarray(weights)[0] > 0].tolist()
    assert weighted == answer_ids + [END_TOKEN_ID]
    tokens = 1 + len(tokenizer(prompt)) + len(answer_ids) + 1  # start, prompt, answer, end
    assert int(np.asarray(x["padding_mask"])[0].sum()) == tokens


def test_packed_batches_pass_through_the_preprocessor_unchanged():
    preprocessor = AnswerOnlyPreprocessor(gpt2_tokenizer(), sequence_length=16)
    packed = preprocessor({"prompt": tf.constant(["Question: Hi\nAnswer:"]), "answer": tf.constant([" Hello."])})
    again = preprocessor(*packed)
    for first, second in zip(tf.nest.flatten(packed), tf.nest.flatten(again)):
        np.testing.assert_array_equal(first, second)
