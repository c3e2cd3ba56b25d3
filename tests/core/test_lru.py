"""``core.lru.Lru``: bounded, least recently used first out, safe across threads."""

from __future__ import annotations

import threading

import pytest

from chroma.core.lru import Lru


def test_the_least_recently_used_entry_goes_first() -> None:
    lru: Lru[str, int] = Lru(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # "b" is now the least recently used
    lru.put("c", 3)
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (1, None, 3)
    lru.put("a", 10)  # replacing counts as a use
    lru.put("d", 4)
    assert (lru.get("a"), lru.get("c"), lru.get("d")) == (10, None, 4)
    assert len(lru) == 2
    assert lru.pop("a") == 10
    assert lru.pop("a") is None
    lru.clear()
    assert len(lru) == 0


def test_a_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Lru(0)


def test_threads_never_leave_it_over_its_size() -> None:
    lru: Lru[int, int] = Lru(8)

    def churn(offset: int) -> None:
        for i in range(2000):
            lru.put(offset + i, i)
            lru.get(offset + i // 2)

    threads = [threading.Thread(target=churn, args=(n * 10_000,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(lru) == 8
