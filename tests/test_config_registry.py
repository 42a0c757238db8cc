
import pytest

import zoo
from zoo.autoencoders.config import AutoencoderConfig
from zoo.errors import ZooError

def test_tasks_lists_every_autoencoder_kind():
    names = zoo.tasks()
    assert {"conv_autoencoder", "dense_autoencoder", "denoising_autoencoder", "variational_autoencoder"} <= set(names)
    kinds = {zoo.get_task(name).config.kind for name in names if name.endswith("_autoencoder")}
    assert kinds == {"conv", "dense", "denoising", "variational"}


def test_unknown_task_names_the_available_ones():
    with pytest.raises(ZooError, match=r"unknown task 'nope'; available: conv_autoencoder"):
        zoo.get_task("nope")


def test_config_round_trips_through_json_and_keeps_types():
    config = AutoencoderConfig(kind="dense", code_size=3, comparison_code_sizes=(2, 4))
    again = AutoencoderConfig.from_dict(__import__("json").loads(config.to_json()))
    assert again == config
    assert again.comparison_code_sizes == (2, 4)


def test_cli_assignments_are_parsed_and_validated():
    config = AutoencoderConfig().replace_from_strings(["code_size=5", "learning_rate=1", "kind=dense", "comparison_code_sizes=[3]"])
    assert (config.code_size, config.learning_rate, config.kind, config.comparison_code_sizes) == (5, 1.0, "dense", (3,))
    assert isinstance(config.learning_rate, float)
    with pytest.raises(ZooError, match=r"'kind' must be one of \['dense', 'conv', 'denoising', 'variational'\]"):
        AutoencoderConfig().replace_from_strings(["kind=pca"])
    with pytest.raises(ZooError, match="'code_size' expects int, got 'four'"):
        AutoencoderConfig().replace_from_strings(["code_size=four"])
    with pytest.raises(ZooError, match=r"no field\(s\) \['units'\]"):
        AutoencoderConfig.from_dict({"units": 3})
    with pytest.raises(ZooError, match="expected key=value"):
        AutoencoderConfig().replace_from_strings(["code_size"])
