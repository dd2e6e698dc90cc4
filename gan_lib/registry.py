"""Variants registered by name (losses, penalties, optimisers, datasets, models).

A `Registry` is a dict filled by a decorator. Looking up an unknown name raises
an error that lists the valid names, so a typo in a notebook or on the command
line tells the reader what they could have written.
"""
from __future__ import annotations

from typing import Callable, Generic, Iterator, TypeVar

from .errors import GanLibError

T = TypeVar("T")


class UnknownNameError(GanLibError, KeyError, ValueError):
    """Raised for a name that is not registered. Subclasses both KeyError and ValueError."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class Registry(Generic[T]):
    """A named collection of variants of one kind (for example, `"loss"`)."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: `@LOSSES.register("hinge")` stores the decorated object under `name`."""

        def add(obj: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = obj
            return obj

        return add

    def get(self, name: str) -> T:
        if not isinstance(name, str) or name not in self._entries:
            raise UnknownNameError(
                f"unknown {self.kind} {name!r}; choose one of: {', '.join(self.names())}"
            )
        return self._entries[name]

    __getitem__ = get

    def names(self) -> list[str]:
        return sorted(self._entries)

    def in_registration_order(self) -> list[str]:
        """The names in the order they were registered (a table's column order, say)."""
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self.names())})"
