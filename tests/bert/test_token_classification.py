import numpy as np
import tensorflow as tf

from zoo.bert.backbone import load_backbone
from zoo.bert.conll import LABELS, generate_ner, read_conll
from zoo.bert.token_classification import EntityTagger, build_token_classifier, entity_scores


def test_gold_bio_labels_decode_back_to_the_gold_spans(tokenizer):
    """Piece labels aligned from character spans, decoded again, give the same entities."""
    train = generate_ner(60, 1, 1, seed=2).train
    tagger = EntityTagger(tokenizer, sequence_length=64)
    _, labels, weights = tagger.training_data(train)
    oracle = lambda inputs, training: tf.one_hot(labels, len(LABELS)) * 20.0
    out = {k: v.numpy() for k, v in tagger.tag(oracle, tf.constant(train.texts)).items()}
    for row, (text, spans) in enumerate(zip(train.texts, train.spans)):
        n = out["count"][row]
        found = {(int(s), int(e), label.decode()) for s, e, label in zip(out["start"][row][:n], out["end"][row][:n], out["label"][row][:n])}
        assert found == set(spans)
        assert [t.decode() for t in out["text"][row][:n]] == [text[s:e] for s, e in zip(out["start"][row][:n], out["end"][row][:n])]
    assert weights.sum() > len(train) * 4


def test_any_model_output_maps_to_exact_substrings(tokenizer):
    texts = ["Anna Weber flew from Zürich to Lyon.", "", b"M\xfcller in K\xf6ln", "word " * 200, "ÉCOLE 日本 東京 café"]
    model = build_token_classifier(load_backbone("tiny", hidden=32), len(LABELS))
    out = {k: v.numpy() for k, v in EntityTagger(tokenizer, sequence_length=24).tag(model, tf.constant(texts)).items()}
    assert out["count"][1] == 0
    for row, text in enumerate(texts):
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        for i in range(out["count"][row]):
            start, end = out["start"][row][i], out["end"][row][i]
            assert 0 <= start < end <= len(text) and out["label"][row][i].decode() in ("PER", "LOC", "ORG")
            assert text[start:end] == out["text"][row][i].decode("utf-8")
        if out["count"][row]:
            assert out["start"][row][out["count"][row]:].tolist() == [-1] * (out["start"].shape[1] - out["count"][row])


def test_reads_conll_bio_and_iob1(tmp_path):
    path = tmp_path / "eng.conll"
    path.write_text("-DOCSTART- -X- O O\n\nEU NNP B-NP I-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP I-MISC\n"
                    "call NN I-NP O\n\nPeter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\nin IN O O\nNew B-LOC\nYork I-LOC\n")
    data = read_conll(path)
    assert data.texts == ["EU rejects German call", "Peter Blackburn in New York"]
    assert data.spans == [((0, 2, "ORG"),), ((0, 15, "PER"), (19, 27, "LOC"))]


def test_entity_scores():
    gold = [{(0, 4, "PER"), (10, 14, "LOC")}, set()]
    predicted = [{(0, 4, "PER"), (10, 14, "ORG")}, {(1, 2, "LOC")}]
    scores = entity_scores(gold, predicted)
    assert np.isclose(scores["entity_precision"], 1 / 3) and np.isclose(scores["entity_recall"], 1 / 2)
    assert np.isclose(scores["entity_f1"], 0.4)
    assert (scores["per_f1"], scores["loc_f1"], scores["org_f1"]) == (1.0, 0.0, 0.0), "a right span of the wrong type counts for neither type"
    half = entity_scores([{(0, 4, "ORG"), (5, 9, "ORG")}], [{(0, 4, "ORG"), (5, 9, "LOC")}])
    assert np.isclose(half["org_f1"], 2 / 3) and half["loc_f1"] == 0.0 and half["per_f1"] == 0.0
