"""`make test` runs each test folder on one worker (`tests/conftest.py`), so its session fixtures
are built once; a pytest or pytest-xdist release that drops the groups would double their cost
without a word (pytest 9.2 with xdist 3.8 did), so this says so."""
import pytest


def test_make_test_runs_this_module_as_one_group_on_one_worker(request):
    if not request.config.getoption("loadgroup", default=False):
        pytest.skip("not run under `pytest -n N --dist loadgroup` (make test)")
    assert request.node.nodeid.endswith("@test_groups"), request.node.nodeid
