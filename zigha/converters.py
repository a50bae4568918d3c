"""Converters shared by the frozen attrs models.

``converter=tuple`` cannot be used on a typed field: mypy's attrs plugin takes the
converter's first parameter as the ``__init__`` parameter, and for the ``tuple``
constructor that is ``Iterable[_T_co]`` with the type variable left unbound, so every
call site fails.  A generic ``Iterable[T] -> tuple[T, ...]`` function hits the same
limit (the plugin does not solve the converter's type variables), hence ``Any``: the
field's own annotation still types every read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def to_tuple(items: Iterable[Any]) -> tuple[Any, ...]:
    """Any iterable (list, generator, tuple) as a tuple, for ``attrs.field(converter=...)``."""
    return tuple(items)
