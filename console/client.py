"""The one way the console talks to the backend: HTTP with requests, timeouts on every call.

A requests.Session is not safe to share between threads, so each worker thread gets its
own. Failures become typed errors the views can put in words: BackendUnavailable (the
network or the server is down: show the offline banner) and ApiError (the backend
refused, with its reason).
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import requests

CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 15.0


class BackendError(Exception):
    pass


class BackendUnavailable(BackendError):
    """No answer: connection refused, timed out, or the server said it cannot serve now."""


class ApiError(BackendError):
    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


class NotLoggedIn(ApiError):
    pass


class BackendClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.api = self.base_url + "/api/v1"
        self.token: str | None = None
        self.user: dict[str, Any] | None = None
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        read_timeout: float = READ_TIMEOUT,
        idempotency_key: str | None = None,
    ) -> Any:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            resp = self._session().request(
                method,
                self.api + path,
                params=params,
                json=json,
                headers=headers,
                timeout=(CONNECT_TIMEOUT, read_timeout),
            )
        except requests.RequestException as exc:
            raise BackendUnavailable(
                f"the backend at {self.base_url} is not reachable ({type(exc).__name__})"
            ) from exc
        if resp.status_code in (502, 503, 504):
            raise BackendUnavailable(f"the backend cannot serve right now ({resp.status_code})")
        if resp.status_code == 204:
            return None
        try:
            body = resp.json()
        except ValueError:
            raise BackendUnavailable(
                f"the backend answered {resp.status_code} without JSON"
            ) from None
        if resp.status_code >= 400:
            error = body.get("error", {}) if isinstance(body, dict) else {}
            cls = NotLoggedIn if resp.status_code == 401 else ApiError
            raise cls(
                resp.status_code,
                str(error.get("code", "error")),
                str(error.get("message", f"refused ({resp.status_code})")),
                {k: v for k, v in error.items() if k not in ("code", "message")},
            )
        return body

    # --- endpoints ------------------------------------------------------------------------

    def login(self, username: str, password: str) -> dict[str, Any]:
        body = self.request(
            "POST", "/auth/login", json={"username": username, "password": password}
        )
        self.token = body["token"]
        self.user = body["user"]
        return body

    def logout(self) -> None:
        if self.token:
            try:
                self.request("POST", "/auth/logout", read_timeout=5)
            finally:
                self.token = None

    def health(self) -> dict[str, Any]:
        try:
            resp = self._session().get(self.base_url + "/healthz", timeout=(CONNECT_TIMEOUT, 5))
        except requests.RequestException as exc:
            raise BackendUnavailable(f"the backend at {self.base_url} is not reachable") from exc
        if resp.status_code != 200:
            raise BackendUnavailable("the backend is up but its database is not reachable")
        return resp.json()

    def search(self, text: str, kind: str | None = None) -> dict[str, Any]:
        params = {"q": text, **({"kind": kind} if kind else {})}
        return self.request("GET", "/search", params=params)

    def customer(self, customer_id: int) -> dict[str, Any]:
        return self.request("GET", f"/customers/{customer_id}")

    def touch_presence(self, customer_id: int, ttl_seconds: int | None = None) -> dict[str, Any]:
        """I have this customer open (renew while it stays open); answers who else is on it."""
        payload = {"ttl_seconds": ttl_seconds} if ttl_seconds else None
        return self.request(
            "PUT", f"/customers/{customer_id}/presence", json=payload, read_timeout=5
        )

    def leave_presence(self, customer_id: int) -> None:
        self.request("DELETE", f"/customers/{customer_id}/presence", read_timeout=5)

    def presence(self, customer_id: int) -> dict[str, Any]:
        return self.request("GET", f"/customers/{customer_id}/presence", read_timeout=5)

    def add_note(
        self, customer_id: int, body: str, reason: str | None = None, *, key: str | None = None
    ) -> dict[str, Any]:
        payload = {"body": body, **({"reason": reason} if reason else {})}
        return self.request(
            "POST",
            f"/customers/{customer_id}/notes",
            json=payload,
            idempotency_key=key or new_key(),
        )

    def request_callback(
        self, customer_id: int, topic: str, note: str | None = None, not_before: str | None = None
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"customer_id": customer_id, "topic": topic}
        if note:
            payload["note"] = note
        if not_before:
            payload["not_before"] = not_before
        return self.request("POST", "/callbacks", json=payload, idempotency_key=new_key())

    def claim_next(self) -> dict[str, Any] | None:
        return self.request("POST", "/callbacks/next", idempotency_key=new_key())

    def heartbeat(self, callback_id: int) -> dict[str, Any]:
        return self.request("POST", f"/callbacks/{callback_id}/heartbeat", read_timeout=5)

    def complete_callback(
        self, callback_id: int, outcome: str, note: str | None = None
    ) -> dict[str, Any]:
        payload = {"outcome": outcome, **({"note": note} if note else {})}
        return self.request(
            "POST", f"/callbacks/{callback_id}/complete", json=payload, idempotency_key=new_key()
        )

    def my_callbacks(self) -> dict[str, Any]:
        return self.request("GET", "/callbacks/mine")

    def cancel_order(self, order_no: str, reason: str | None = None) -> dict[str, Any]:
        return self.request(
            "POST", f"/orders/{order_no}/cancel", json={"reason": reason}, idempotency_key=new_key()
        )

    def request_activation(self, order_no: str) -> dict[str, Any]:
        return self.request("POST", f"/orders/{order_no}/activation", idempotency_key=new_key())

    def resend_tracking(self, order_no: str, override_reason: str | None = None) -> dict[str, Any]:
        return self.request(
            "POST",
            f"/orders/{order_no}/resend-tracking",
            json={"override_reason": override_reason},
            idempotency_key=new_key(),
        )

    def notices(self) -> dict[str, Any]:
        return self.request("GET", "/notices")

    def ack_notice(self, notice_id: int) -> None:
        self.request("POST", f"/notices/{notice_id}/ack")

    # --- lead and supervisor ---------------------------------------------------------------

    def stuck(self, *, offset: int = 0, limit: int = 200, **filters: Any) -> dict[str, Any]:
        params = {"offset": offset, "limit": limit, **{k: v for k, v in filters.items() if v}}
        return self.request("GET", "/orders/stuck", params=params)

    def aging(self) -> dict[str, Any]:
        return self.request("GET", "/orders/aging")

    def contradictions(self) -> dict[str, Any]:
        return self.request("GET", "/contradictions")

    def triage(
        self,
        order_nos: list[str],
        *,
        cause: str | None = None,
        owner: str | None = None,
        set_owner: bool = False,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"order_nos": order_nos, "set_owner": set_owner}
        if cause:
            payload["cause"] = cause
        if set_owner:
            payload["owner"] = owner
        return self.request("POST", "/orders/triage", json=payload, idempotency_key=new_key())

    def templates(self) -> dict[str, Any]:
        return self.request("GET", "/templates")

    def create_campaign(
        self, name: str, template_key: str, segment: dict[str, Any]
    ) -> dict[str, Any]:
        return self.request(
            "POST",
            "/campaigns",
            json={"name": name, "template_key": template_key, "segment": segment},
            idempotency_key=new_key(),
        )

    def board(self) -> dict[str, Any]:
        return self.request("GET", "/board")

    def queued_callbacks(self) -> dict[str, Any]:
        return self.request("GET", "/callbacks", params={"status": "queued"})

    def reassign(self, callback_ids: list[int], to_agent: str | None) -> dict[str, Any]:
        return self.request(
            "POST",
            "/callbacks/reassign",
            json={"callback_ids": callback_ids, "to_agent": to_agent},
            idempotency_key=new_key(),
        )

    def rebalance(self) -> dict[str, Any]:
        return self.request("POST", "/callbacks/rebalance", idempotency_key=new_key())

    def set_priority(self, callback_ids: list[int], priority: int) -> dict[str, Any]:
        return self.request(
            "POST",
            "/callbacks/priority",
            json={"callback_ids": callback_ids, "priority": priority},
            idempotency_key=new_key(),
        )

    def callback_topics(self) -> dict[str, Any]:
        return self.request("GET", "/callbacks/topics")

    # --- contact reasons -------------------------------------------------------------------

    def contact_reasons(self, include_retired: bool = False) -> dict[str, Any]:
        params = {"include_retired": "true"} if include_retired else None
        return self.request("GET", "/contact-reasons", params=params)

    def add_contact_reason(self, key: str, label: str, label_en: str | None) -> dict[str, Any]:
        payload = {"key": key, "label": label, **({"label_en": label_en} if label_en else {})}
        return self.request("POST", "/contact-reasons", json=payload, idempotency_key=new_key())

    def retire_contact_reason(self, key: str) -> dict[str, Any]:
        return self.request("POST", f"/contact-reasons/{key}/retire", idempotency_key=new_key())

    def top_reasons(self, minutes: int = 60) -> dict[str, Any]:
        return self.request("GET", "/contact-reasons/top", params={"minutes": minutes})

    def reason_customers(self, key: str, minutes: int = 60) -> dict[str, Any]:
        return self.request("GET", f"/contact-reasons/{key}/customers", params={"minutes": minutes})

    def campaigns(self) -> dict[str, Any]:
        return self.request("GET", "/campaigns")

    def campaign(self, campaign_id: int) -> dict[str, Any]:
        return self.request("GET", f"/campaigns/{campaign_id}")

    def approve_campaign(
        self, campaign_id: int, override_reason: str | None = None
    ) -> dict[str, Any]:
        return self.request(
            "POST",
            f"/campaigns/{campaign_id}/approve",
            json={"override_reason": override_reason},
            idempotency_key=new_key(),
        )

    def cancel_campaign(self, campaign_id: int) -> dict[str, Any]:
        return self.request("POST", f"/campaigns/{campaign_id}/cancel", idempotency_key=new_key())

    def publish_notice(
        self, topic: str, title: str, body: str, target: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"topic": topic, "title": title, "body": body}
        if target:
            payload["target"] = target
        return self.request("POST", "/notices", json=payload, idempotency_key=new_key())

    def retire_notice(self, notice_id: int) -> dict[str, Any]:
        return self.request("POST", f"/notices/{notice_id}/retire", idempotency_key=new_key())

    def notice_acks(self, notice_id: int) -> dict[str, Any]:
        return self.request("GET", f"/notices/{notice_id}/acks")

    def save_template(self, key: str, title: str, body: str) -> dict[str, Any]:
        return self.request(
            "POST",
            "/templates",
            json={"key": key, "title": title, "body": body},
            idempotency_key=new_key(),
        )

    def correct_campaign(self, campaign_id: int, name: str, template_key: str) -> dict[str, Any]:
        return self.request(
            "POST",
            "/campaigns",
            json={"name": name, "template_key": template_key, "corrects_id": campaign_id},
            idempotency_key=new_key(),
        )

    # --- admin -------------------------------------------------------------------------

    def users(self) -> dict[str, Any]:
        return self.request("GET", "/admin/users")

    def add_user(
        self, username: str, role: str, password: str, display_name: str | None
    ) -> dict[str, Any]:
        payload = {"username": username, "role": role, "password": password}
        if display_name:
            payload["display_name"] = display_name
        return self.request("POST", "/admin/users", json=payload)

    def set_role(self, username: str, role: str) -> dict[str, Any]:
        return self.request("POST", f"/admin/users/{username}/role", json={"role": role})

    def reset_password(self, username: str, password: str) -> dict[str, Any]:
        return self.request(
            "POST", f"/admin/users/{username}/password", json={"password": password}
        )

    def set_disabled(self, username: str, disabled: bool) -> dict[str, Any]:
        return self.request("POST", f"/admin/users/{username}/disable", json={"disabled": disabled})

    def changes(self, after: int, wait: float = 20.0) -> dict[str, Any]:
        return self.request(
            "GET", "/changes", params={"after": after, "wait": wait}, read_timeout=wait + 10
        )


def new_key() -> str:
    """A fresh Idempotency-Key: a retry of the same call reuses it, a new call gets a new one."""
    return uuid.uuid4().hex
