"""Typed settings over QSettings, registered in one place with their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from PySide6.QtCore import QSettings

T = TypeVar("T", str, int, bool)
ORGANISATION = "Launchdesk"
APPLICATION = "Launchdesk Console"


@dataclass(frozen=True)
class Setting(Generic[T]):
    key: str
    default: T

    def read(self, store: QSettings) -> T:
        value = store.value(self.key, self.default)
        kind = type(self.default)
        if kind is bool:
            return (
                (str(value).lower() in ("1", "true", "yes"))
                if not isinstance(value, bool)
                else value
            )  # type: ignore[return-value]
        try:
            return kind(value)  # type: ignore[return-value]
        except (TypeError, ValueError):
            return self.default

    def write(self, store: QSettings, value: T) -> None:
        store.setValue(self.key, value)


LAST_USERNAME = Setting("login/last_username", "")
BACKEND_URL = Setting("login/backend_url", "http://127.0.0.1:8750")
LANGUAGE = Setting("ui/language", "ko")
FONT_SIZE = Setting("ui/font_size", 10)


def store() -> QSettings:
    # INI everywhere: readable, and one place (QSettings.setPath) moves it for tests.
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
    )
