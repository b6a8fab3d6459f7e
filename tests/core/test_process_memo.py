"""core.cache.ProcessMemo: reference data kept per process, correct across processes.

Two memos with one name stand for two web processes: each keeps its own copy, and they
share the generation in the cache, as processes share Redis."""

from django.core.cache import caches

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from wijkregie.core.cache import ProcessMemo

pytestmark = pytest.mark.django_db


class Source:
    """What the database holds, and how often it was asked."""

    def __init__(self, value):
        self.value = value
        self.loads = 0

    def load(self):
        self.loads += 1
        return self.value


@pytest.fixture
def processes():
    first, second = ProcessMemo("test.memo"), ProcessMemo("test.memo")
    yield first, second
    ProcessMemo._all.remove(first)
    ProcessMemo._all.remove(second)


def test_a_process_loads_once_and_answers_from_its_copy(processes):
    first, _second = processes
    source = Source(["litter"])

    answers = [first.get("all", source.load) for _ in range(3)]

    assert answers == [["litter"]] * 3
    assert source.loads == 1


def test_a_change_is_seen_at_once_here_and_by_the_other_process_on_commit(
    processes, django_capture_on_commit_callbacks
):
    first, second = processes
    source = Source("old")
    assert (first.get("k", source.load), second.get("k", source.load)) == ("old", "old")
    source.value = "new"

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first.changed()
        # Before the commit: this process forgot its copy, the other still has its own
        # (the change is not visible to other transactions yet).
        assert (first.get("k", source.load), second.get("k", source.load)) == ("new", "old")
    for callback in callbacks:
        callback()  # the commit

    assert (first.get("k", source.load), second.get("k", source.load)) == ("new", "new")
    # both at the start; the changer before and after the commit; the other after it
    assert source.loads == 5


def test_a_rolled_back_change_leaves_the_other_process_its_copy(
    processes, django_capture_on_commit_callbacks
):
    first, second = processes
    source = Source("kept")
    second.get("k", source.load)

    with django_capture_on_commit_callbacks(execute=False):
        first.changed()  # the transaction never commits: no callback runs

    assert second.get("k", source.load) == "kept"
    assert source.loads == 1


def test_without_a_cache_nothing_is_kept(processes, monkeypatch, caplog):
    first, _second = processes
    source = Source("fresh")

    def down(*args, **kwargs):
        raise RedisConnectionError("down")

    backend = type(caches["default"])
    monkeypatch.setattr(backend, "get", down)
    monkeypatch.setattr(backend, "add", down)

    assert [first.get("k", source.load) for _ in range(3)] == ["fresh"] * 3
    assert source.loads == 3
    assert {r.getMessage() for r in caplog.records} >= {"cache_unavailable"}


def test_a_full_copy_starts_afresh(processes):
    memo = ProcessMemo("test.small", max_keys=2)
    try:
        for key in "abc":
            memo.get(key, lambda key=key: key.upper())
        assert memo._values == {"c": "C"}
    finally:
        ProcessMemo._all.remove(memo)


def test_in_a_request_the_generations_are_read_once_together(processes, monkeypatch):
    from django.core.signals import request_finished, request_started

    first, _second = processes
    other = ProcessMemo("test.other")
    backend = type(caches["default"])
    reads = []
    for method in ("get", "get_many"):
        original = getattr(backend, method)

        def counted(self, *args, _original=original, _method=method, **kwargs):
            reads.append(_method)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(backend, method, counted)
    try:
        request_started.send(sender=None)
        first.get("a", lambda: 1)
        other.get("b", lambda: 2)
        first.get("c", lambda: 3)
        in_request = list(reads)
        request_finished.send(sender=None)
        reads.clear()
        first.get("a", lambda: 1)  # a task or command: its own read each time
        first.get("a", lambda: 1)
    finally:
        ProcessMemo._all.remove(other)

    # get_many once; then get for each memo whose generation was not set yet (add + get)
    assert in_request[0] == "get_many" and in_request.count("get_many") == 1
    assert reads == ["get", "get"]
