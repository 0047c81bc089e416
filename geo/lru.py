"""A bounded map shared by threads, least recently used out first."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

__all__ = ["Lru"]

_MISSING = object()


class Lru:
    """A bounded map shared by threads (every session of a server), least recently used out first.

    A lookup is a dict access under a lock. Values are made outside the lock, so one slow
    value holds no one up (two threads may then make the same value; the last one is kept).

    Parameters
    ----------
    size : int
        Values kept.

    Examples
    --------
    >>> cache = Lru(2)
    >>> cache.get("a", lambda: 1), cache.get("a", lambda: 2)
    (1, 1)
    >>> cache.put("b", 2), cache.put("c", 3)
    ([], ['a'])
    >>> cache.find("a") is None, cache.find("c")
    (True, 3)
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def find(self, key: Hashable, default=None):
        """The value kept under ``key`` (now the most recently used), or ``default``."""
        with self.lock:
            value = self.items.get(key, _MISSING)
            if value is _MISSING:
                return default
            self.items.move_to_end(key)
            return value

    def put(self, key: Hashable, value) -> list:
        """Keep ``value`` under ``key``; drop the least recently used beyond :attr:`size` and return their keys."""
        dropped = []
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                dropped.append(self.items.popitem(last=False)[0])
        return dropped

    def clear(self) -> None:
        """Forget every value."""
        with self.lock:
            self.items.clear()

    def get(self, key: Hashable, make: Callable[[], object]):
        """The value kept under ``key``, made by ``make()`` and kept if there is none."""
        value = self.find(key, _MISSING)
        if value is _MISSING:
            value = make()
            self.put(key, value)
        return value
