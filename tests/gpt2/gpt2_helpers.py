"""Tiny GPT configs for the tests, and reference outputs from keras-hub's own in-process generation path."""
import numpy as np

from zoo.gpt2.generation import generate_token_ids
from zoo.gpt2.tokenizer import END_TOKEN_ID

TINY = {"num_layers": 2, "num_heads": 2, "hidden_dim": 32, "intermediate_dim": 64, "sequence_length": 64,
        "pretrain_chars": 60_000, "held_out": 0.05, "batch_size": 8, "steps_per_epoch": 8, "learning_rate": 5e-3}
TINY_CHATBOT = {"base": "gpt2_generate", "lora_rank": 0, "sequence_length": 48, "context_length": 64, "batch_size": 16,
                "steps_per_epoch": 12, "epochs": 1, "learning_rate": 1e-2, "max_new_tokens": 12}


def keras_hub_new_tokens(model, prompt: str, new_tokens: int) -> list[int]:
    """The ids keras-hub's in-process (XLA) `generate()` path adds after `prompt`, greedy."""
    prompt_length = 1 + len(model.preprocessor.tokenizer(prompt))
    out = generate_token_ids(model, [prompt], max_length=prompt_length + new_tokens)
    ids, kept = np.asarray(out["token_ids"])[0], np.asarray(out["padding_mask"])[0]
    return [int(i) for i in ids[prompt_length:][kept[prompt_length:]] if i != END_TOKEN_ID]
