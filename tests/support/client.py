"""A small HTTP client for tests: real requests to the backend on loopback."""

from __future__ import annotations

import itertools
from typing import Any

import requests

from services import accounts
from services.db import Database

_counter = itertools.count(1)


class Session:
    def __init__(self, base: str, token: str | None, username: str, role: str) -> None:
        self.base = base
        self.token = token
        self.username = username
        self.role = role
        self.http = requests.Session()

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(
            self.base + path, headers=self._headers(kw.pop("headers", None)), timeout=30, **kw
        )

    def post(self, path: str, json: Any = None, **kw: Any) -> requests.Response:
        return self.http.post(
            self.base + path,
            json=json,
            headers=self._headers(kw.pop("headers", None)),
            timeout=60,
            **kw,
        )


class Api:
    def __init__(self, url: str, db: Database) -> None:
        self.url = url
        self.base = url + "/api/v1"
        self.db = db

    def make_user(
        self, role: str, username: str | None = None, password: str = "secret-pass-1"
    ) -> str:
        username = username or f"{role}{next(_counter)}"
        with self.db.write() as s:
            accounts.add_user(s, username=username, role=role, password=password)
        return username

    def login(self, username: str, password: str = "secret-pass-1") -> Session:
        resp = requests.post(
            self.base + "/auth/login", json={"username": username, "password": password}, timeout=30
        )
        assert resp.status_code == 200, resp.text
        body = resp.json()
        return Session(self.base, body["token"], username, body["user"]["role"])

    def as_role(self, role: str) -> Session:
        return self.login(self.make_user(role))

    def anonymous(self) -> Session:
        return Session(self.base, None, "-", "-")
