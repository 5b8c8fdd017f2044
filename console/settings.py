"""Typed settings over QSettings, registered in one place with their defaults.

The look (language, theme, font size) is remembered per console user: call-centre
desks are shared, and one agent's large font should not follow the next one to log in.
A per-user value is kept under `users/<name>/`; the machine-wide value beside it is
the last one chosen by anybody and is what the login window shows before anyone logs in.
"""

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
    choices: tuple[T, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    per_user: bool = False

    def user_key(self, username: str) -> str:
        return f"users/{username}/{self.key}"

    def read(self, store: QSettings, username: str | None = None) -> T:
        key = self.key
        if self.per_user and username and store.contains(self.user_key(username)):
            key = self.user_key(username)
        return self.valid(store.value(key, self.default))

    def valid(self, value: object) -> T:
        """The value as its type, or the default when it is not one this setting takes."""
        kind = type(self.default)
        if kind is bool:
            if isinstance(value, bool):
                return value  # type: ignore[return-value]
            return str(value).lower() in ("1", "true", "yes")  # type: ignore[return-value]
        try:
            typed = kind(value)  # type: ignore[call-arg]
        except (TypeError, ValueError):
            return self.default
        if self.choices is not None and typed not in self.choices:
            return self.default
        if isinstance(typed, int) and (
            (self.minimum is not None and typed < self.minimum)
            or (self.maximum is not None and typed > self.maximum)
        ):
            return self.default
        return typed  # type: ignore[return-value]

    def write(self, store: QSettings, value: T, username: str | None = None) -> None:
        store.setValue(self.key, value)
        if self.per_user and username:
            store.setValue(self.user_key(username), value)


LAST_USERNAME = Setting("login/last_username", "")
BACKEND_URL = Setting("login/backend_url", "http://127.0.0.1:8750")
LANGUAGE = Setting("ui/language", "ko", choices=("ko", "en"), per_user=True)
THEME = Setting("ui/theme", "light", choices=("light", "dark"), per_user=True)
FONT_SIZE = Setting("ui/font_size", 10, minimum=8, maximum=24, per_user=True)


def store() -> QSettings:
    # INI everywhere: readable, and one place (QSettings.setPath) moves it for tests.
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
    )
