"""`serving.export.atomic`: a target is the old one or the new one, never half, and what a dead
writer staged is cleaned up while a live writer's is kept."""
import os

import pytest

from serving.export.atomic import remove_abandoned, staged
from serving.export.model_config import add_model, read_model_config


def test_a_failed_block_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "models.config"
    target.write_text("old")
    with pytest.raises(RuntimeError), staged(target, replace=True) as temp:
        temp.write_text("half")
        raise RuntimeError("writer failed")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["models.config"]


def test_without_replace_a_target_that_appeared_is_kept(tmp_path):
    target = tmp_path / "3"
    with pytest.raises(FileExistsError, match="appeared while it was being written"), \
            staged(target, replace=False, prefix=".tmp-") as temp:
        temp.mkdir()
        (temp / "saved_model.pb").write_text("new")
        target.mkdir()
        (target / "saved_model.pb").write_text("other")
    assert (target / "saved_model.pb").read_text() == "other" and os.listdir(tmp_path) == ["3"]


def test_remove_abandoned_keeps_a_live_writers_temporary(tmp_path):
    live = tmp_path / f".tmp-4-{os.getpid()}-0123abcd"
    dead, stray = tmp_path / ".tmp-5-999999999-0123abcd", tmp_path / ".tmp-odd"
    for path in (live, dead, stray):
        path.mkdir()
    assert sorted(remove_abandoned(tmp_path, ".tmp-")) == sorted([dead, stray])
    assert os.listdir(tmp_path) == [live.name]


def test_add_model_rewrites_the_config_in_place(tmp_path):
    path = tmp_path / "exports" / "models.config"
    add_model(path, "a", "/models/a")
    add_model(path, "b", "/models/b", labels={"stable": 1})
    add_model(path, "a", "/models/a2")
    models = {m.name: m for m in read_model_config(path).model_config_list.config}
    assert models["a"].base_path == "/models/a2" and dict(models["b"].version_labels) == {"stable": 1}
    assert os.listdir(path.parent) == ["models.config"]
