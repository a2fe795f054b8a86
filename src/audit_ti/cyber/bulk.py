"""Helpers for building many objects at once (a fleet of thousands of gateways)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_garbage_collector"]


@contextmanager
def paused_garbage_collector() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic objects.

    A fleet's evaluation creates hundreds of thousands of frozen findings and observations, none
    of them in a reference cycle: the collector would only rescan them, over and over (measured:
    a third of the evaluation time of 10,000 hosts).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
