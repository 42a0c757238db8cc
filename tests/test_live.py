"""When a tab's live panel stops polling: once nothing more can change for its task."""
from demos.live import ServedState, settled
from zoo.progress import Progress

SERVED = ServedState(2, "")
NOT_EXPORTED = ServedState(None, "not exported yet")
LOADING = ServedState(None, "the server is loading it", pending=True)


def test_a_served_model_whose_worker_is_done_settles():
    assert settled(Progress(phase="ready"), SERVED)
    assert settled(Progress(phase="failed"), SERVED), "a failed fine-tune leaves the served version as it is"


def test_a_task_still_on_its_way_keeps_polling():
    assert not settled(None, SERVED), "no worker has written yet"
    assert not settled(Progress(phase="training"), SERVED), "a fine-tune may replace the served version"
    assert not settled(Progress(phase="ready"), NOT_EXPORTED), "the server has not picked the export up yet"
    assert not settled(Progress(phase="ready"), LOADING)


def test_a_failed_task_with_nothing_to_serve_stops_polling_unless_a_version_is_loading():
    assert settled(Progress(phase="failed"), NOT_EXPORTED)
    assert not settled(Progress(phase="failed"), LOADING), "an earlier export may still come up"
