"""Building many frozen models at once (a fleet of thousands of gateways): facts, findings, scores."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_garbage_collector"]


@contextmanager
def paused_garbage_collector() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic objects.

    An nmap tree and its facts, the findings and observations of a fleet: none of them is in a
    reference cycle, and the collector would only rescan them, over and over (measured on 10,000
    hosts: half the parse time, a third of the evaluation time).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
