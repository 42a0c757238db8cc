"""Reference outputs for the GPT-2 tests, from keras-hub's own in-process generation path."""
import numpy as np

from zoo.gpt2.generation import generate_token_ids
from zoo.gpt2.tokenizer import END_TOKEN_ID


def keras_hub_new_tokens(model, prompt: str, new_tokens: int) -> list[int]:
    """The ids keras-hub's in-process (XLA) `generate()` path adds after `prompt`, greedy."""
    prompt_length = 1 + len(model.preprocessor.tokenizer(prompt))
    out = generate_token_ids(model, [prompt], max_length=prompt_length + new_tokens)
    ids, kept = np.asarray(out["token_ids"])[0], np.asarray(out["padding_mask"])[0]
    return [int(i) for i in ids[prompt_length:][kept[prompt_length:]] if i != END_TOKEN_ID]
