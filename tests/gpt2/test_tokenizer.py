import pytest

from zoo.gpt2.tokenizer import END_TOKEN_ID, VOCABULARY_SIZE, gpt2_tokenizer, vocabulary_and_merges

# Ids from GPT-2's own encoder.json / vocab.bpe.
KNOWN = {
    "Hello world": [15496, 995],
    " The quick brown fox": [383, 2068, 7586, 21831],
    "I'm 42 years old!\n": [40, 1101, 5433, 812, 1468, 0, 198],
    "<|endoftext|>": [END_TOKEN_ID],
}


@pytest.fixture(scope="module")
def tokenizer():
    return gpt2_tokenizer()


def test_vocabulary_and_merges_are_gpt2s():
    vocabulary, merges = vocabulary_and_merges()
    assert len(vocabulary) == VOCABULARY_SIZE and len(merges) == 50_000
    assert vocabulary["<|endoftext|>"] == 50256 == max(vocabulary.values())
    assert vocabulary["!"] == 0 and vocabulary["Ġthe"] == 262
    assert merges[:5] == ["Ġ t", "Ġ a", "h e", "i n", "r e"]


@pytest.mark.parametrize("text, ids", KNOWN.items())
def test_matches_gpt2_ids(tokenizer, text, ids):
    assert [int(i) for i in tokenizer(text)] == ids


@pytest.mark.parametrize("text", ["Hello world", "naïve café — 😀 ünïcödé", "  two  spaces\tand tabs\n\n", "",
                                  "In the beginning, God created the heavens and the earth."])
def test_round_trips(tokenizer, text):
    assert tokenizer.detokenize(tokenizer(text)) == text


def test_end_token_is_not_the_pad_id(tokenizer):
    assert tokenizer.end_token_id == tokenizer.start_token_id == END_TOKEN_ID
    assert tokenizer.pad_token_id == 0 != END_TOKEN_ID
