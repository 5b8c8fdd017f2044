"""Fixtures for the fault, load and race tests: real `serve` processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.serving import Served


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Start `main.py serve` processes on a database URL; all are stopped afterwards."""
    started: list[Served] = []

    def start(database_url: str, *, workers: int = 1) -> Served:
        served = Served(database_url, tmp_path, workers=workers)
        started.append(served)
        return served.wait_ready()

    yield start
    for served in started:
        served.stop()
