"""Checks on free text that every entry point shares."""

from __future__ import annotations

from typing import Any


def contains_nul(value: Any) -> bool:
    """True when any string inside value holds a NUL byte (PostgreSQL text cannot)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(v) for v in value)
    return False
