"""Size guards for what builds a big value from small ones without any operator sizes.py rewrites: an f-string
joining its pieces (``x = f'{x}{x}'``), a display spreading others (``[*x, *x]``), a list written in place
(``x[:0] = x``, ``x.extend(x)``), ``sum`` of lists, and a structure that shares itself (``x = [x, x]`` 25 times
is small, but writing it out as text visits 2 ** 25 items in one C call). Each refuses, before building, a
result past sizes.MAX_ITEMS, with the same Chinese message as the other guards."""

from __future__ import annotations

import builtins

from RestrictedPython.Guards import full_write_guard

from app.engine.sizes import MAX_ITEMS, _refuse, sized


def _length(value) -> int:
    return len(value) if hasattr(value, "__len__") else 0


def joined(*pieces) -> str:
    """An f-string's pieces (each already formatted), joined once their total is known."""
    if sum(len(p) for p in pieces) > MAX_ITEMS:
        _refuse(f"f-string 超过 {MAX_ITEMS} 个字符")
    return "".join(pieces)


def spread(kind: str, *parts):
    """A list, tuple or set display with ``*`` items: ``parts`` are (spread?, value)."""
    items = []
    for is_spread, value in parts:
        if is_spread:
            value = value if isinstance(value, list | tuple | str | bytes | dict | set | frozenset | range) \
                else list(value)
            if len(items) + _length(value) > MAX_ITEMS:
                _refuse(f"展开后超过 {MAX_ITEMS} 个元素")
            items.extend(value)
        else:
            items.append(value)
    return {"list": list, "tuple": tuple, "set": set}[kind](items)


def bounded_sum(iterable, start=0):
    """``sum``: of numbers as Python's; of lists or tuples (``sum(rows, [])``) only up to MAX_ITEMS items."""
    if not isinstance(start, list | tuple):
        return builtins.sum(iterable, start)
    total = start
    for part in iterable:
        if len(total) + _length(part) > MAX_ITEMS:
            _refuse(f"sum 的结果超过 {MAX_ITEMS} 个元素")
        total = total + part
    return total


class _ListWrite:
    """What ``_write_`` hands a script for a list it writes into: slice writes bounded, the rest as the list's."""

    __slots__ = ("_items",)

    def __init__(self, items: list):
        object.__setattr__(self, "_items", items)

    def __setitem__(self, key, value):
        items = self._items
        if isinstance(key, slice) and len(items) + _length(value) > MAX_ITEMS:
            _refuse(f"写入后列表超过 {MAX_ITEMS} 个元素")
        items[key] = value

    def __getitem__(self, key):
        return self._items[key]

    def __delitem__(self, key):
        del self._items[key]


def guarded_write(obj):
    return _ListWrite(obj) if type(obj) is list else full_write_guard(obj)


GUARDS = {"_joined_": joined, "_spread_": spread, "_sized_": sized, "_write_": guarded_write}  # (sized: sizes.py)
BUILTINS = {"sum": bounded_sum}
