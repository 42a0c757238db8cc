"""TF Serving model config files (`--model_config_file`): text `ModelServerConfig` protos.

    add_model("exports/models.config", "conv_autoencoder", "/models/conv_autoencoder")
    read_model_config("exports/models.config").model_config_list.config[0].name

The file is rewritten atomically, so a server polling it never reads half a file.
"""
from __future__ import annotations

from pathlib import Path

from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from serving.export.atomic import staged


def read_model_config(path: str | Path) -> model_server_config_pb2.ModelServerConfig:
    """Parse a model config file; a missing file is an empty config."""
    config = model_server_config_pb2.ModelServerConfig()
    path = Path(path)
    if path.is_file():
        try:
            text_format.Parse(path.read_text(), config)
        except text_format.ParseError as error:
            raise ValueError(f"{path} is not a valid ModelServerConfig text proto: {error}") from error
    return config


def write_model_config(path: str | Path, config: model_server_config_pb2.ModelServerConfig) -> Path:
    path = Path(path)
    with staged(path, replace=True) as temp:
        temp.write_text(text_format.MessageToString(config))
    return path


def add_model(
    path: str | Path,
    name: str,
    base_path: str,
    *,
    num_versions: int = 1,
    labels: dict[str, int] | None = None,
) -> Path:
    """Add or replace model `name` (serving its latest `num_versions`) in the config at `path`."""
    config = read_model_config(path)
    models = config.model_config_list.config
    kept = [model for model in models if model.name != name]
    del models[:]
    models.extend(kept)
    entry = models.add(name=name, base_path=base_path, model_platform="tensorflow")
    entry.model_version_policy.latest.num_versions = num_versions
    for label, version in (labels or {}).items():
        entry.version_labels[label] = version
    return write_model_config(path, config)
