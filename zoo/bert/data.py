"""How the BERT tasks cut their examples into train / validation / test.

Generated data first splits the entities it writes about (countries, places): 80% or half of
them for training, and those held out a quarter for validation and the rest for testing, so that
neither held-out split asks about what training saw. Examples read from a file are cut in file
order: the first 70% to train, the next 10% to validate, the last 20% to test.

    train_pool, validation_pool, test_pool = country_pools(countries)   # 80%, 5%, 15%
    validation_pool, test_pool = held_out_pools(places[1::2])          # a quarter, three quarters
    split_read(read_squad("train-v1.1.json"), train=1000, validation=200, test=400)   # Splits
"""
from __future__ import annotations

from typing import TypeVar

from zoo.task import Splits

T = TypeVar("T")


def held_out_pools(held_out: list[T]) -> tuple[list[T], list[T]]:
    """Entities kept out of training, as a validation pool (the first quarter) and a test pool."""
    cut = len(held_out) // 4
    return held_out[:cut], held_out[cut:]


def country_pools(countries: list[T]) -> tuple[list[T], list[T], list[T]]:
    """The first 80% of `countries` to train on; the rest cut into validation and test pools."""
    cut = int(0.8 * len(countries))
    return (countries[:cut], *held_out_pools(countries[cut:]))


def split_read(examples: T, train: int, validation: int, test: int) -> Splits[T]:
    """`examples` (sliceable, with `head(size)`, 0 = all) cut 70% / 10% / 20% in order, each
    part capped at its size."""
    train_end, validation_end = int(0.7 * len(examples)), int(0.8 * len(examples))
    return Splits(examples[:train_end].head(train), examples[train_end:validation_end].head(validation),
                  examples[validation_end:].head(test))
