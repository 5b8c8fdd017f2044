"""Every identifier field against what careless and hostile people type, over HTTP.

Each input below goes into every field that takes an identifier: the search box (free,
and narrowed to each kind), an order number in a URL, a lead's triage list, and the
identifier fields of upstream events. What each gets is the table in
docs/hostile-input.md; this test computes the table from the running server and fails
when the document says something else (the message shows the table as it is now).

Never a 5xx; a refusal is a 4xx naming what was expected and what was received; an
ingest event is refused on its own, the batch answering 200; injection strings are only
ever text that matches nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from services.identifiers import make_order_no, make_reservation_no
from tests.support.client import Api, Session
from tests.support.launch import customer_journey, ingest, stamp

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "hostile-input.md"
SERIAL = 4242
RES = make_reservation_no(SERIAL)
ORD = make_order_no(SERIAL)
TRACKING = f"{SERIAL:013d}"
MOBILE = "01077224242"
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
CIRCLED = str.maketrans("0123456789", "⓪①②③④⑤⑥⑦⑧⑨")


def _typo(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


INPUTS: list[tuple[str, str]] = [
    ("reservation number", RES),
    ("order number", ORD),
    ("mobile `010-7722-4242`", "010-7722-4242"),
    ("mobile `+82 10 7722 4242`", "+82 10 7722 4242"),
    ("tracking number (13 digits)", TRACKING),
    ("reservation, check-digit typo", _typo(RES)),
    ("order, check-digit typo", _typo(ORD)),
    ("order number, one digit short", ORD[:-1]),
    ("reservation in full-width digits", RES.translate(FULLWIDTH)),
    ("order in full-width digits", ORD.translate(FULLWIDTH)),
    ("reservation in Arabic-Indic digits", RES.translate(ARABIC)),
    ("reservation in circled digits", RES.translate(CIRCLED)),
    ("letter O for zero", RES.replace("0", "O") if "0" in RES else "O" + RES[1:]),
    ("letter l for one", "l" + RES[1:]),
    ("surrounding spaces", f"  {RES}  "),
    ("spaces and hyphens inside", f"{RES[:4]} - {RES[4:]}"),
    ("tab and newline", f"\t{RES}\n"),
    ("no-break space inside", f"{RES[:4]}\u00a0{RES[4:]}"),
    ("zero-width space inside", f"{RES[:4]}\u200b{RES[4:]}"),
    ("NUL inside", f"{RES[:4]}\x00{RES[4:]}"),
    ("SQL injection", "' OR '1'='1' --"),
    ("SQL with a number", f"{RES}; DROP TABLE orders;--"),
    ("LIKE wildcards", "%_%"),
    ("markup", "<script>alert(1)</script>"),
    ("path traversal", "../../etc/passwd"),
    ("template injection", "${jndi:ldap://x/a}"),
    ("empty", ""),
    ("only spaces", "   "),
    ("201 digits", "1" * 201),
]


def _cell(resp: requests.Response, *, found: str | None = None) -> str:
    assert resp.status_code < 500, f"{resp.status_code}: {resp.text[:300]}"
    if resp.status_code >= 400:
        err = resp.json()["error"]
        assert err["message"], err
        return f"{resp.status_code} `{err['code']}`"
    return f"{resp.status_code} {found}" if found else str(resp.status_code)


class Fields:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.agent = api.as_role("agent")
        self.lead = api.as_role("lead")
        self.integration = api.as_role("integration")
        self.n = 0

    def search(self, text: str, kind: str | None) -> str:
        params = {"q": text, **({"kind": kind} if kind else {})}
        resp = self.agent.get("/search", params=params)
        if resp.status_code == 200:
            kinds = sorted({m["kind"] for m in resp.json()["matches"]})
            return _cell(resp, found="found: " + ", ".join(kinds) if kinds else "no match")
        return _cell(resp)

    def order_path(self, text: str) -> str:
        resp = self.agent.post(
            f"/orders/{quote(text, safe='')}/activation" if text else "/orders//activation"
        )
        return _cell(resp)

    def triage(self, text: str) -> str:
        resp = self.lead.post("/orders/triage", json={"order_nos": [text], "cause": "unknown"})
        return _cell(resp)

    def event(self, kind: str, text: str) -> str:
        self.n += 1
        at = stamp(__import__("datetime").datetime(2026, 11, 20, 3, 0, tzinfo=__import__(
            "datetime").UTC))
        base: dict[str, Any] = {"event_id": f"hostile-{self.n}", "occurred_at": at}
        if kind == "reservation_no":
            event = {
                **base, "source": "reservation_site", "type": "reservation.created",
                "reservation_no": text, "model": "iPhone",
                "customer": {"ref": f"H{self.n:07d}", "name": "홍길동", "mobile": "010-5555-0000"},
            }
        elif kind == "mobile":
            event = {
                **base, "source": "reservation_site", "type": "reservation.created",
                "reservation_no": make_reservation_no(70_000 + self.n), "model": "iPhone",
                "customer": {"ref": f"H{self.n:07d}", "name": "홍길동", "mobile": text},
            }
        elif kind == "order_no":
            event = {**base, "source": "order_system", "type": "order.status",
                     "order_no": text, "status": "preparing"}
        else:
            event = {**base, "source": "courier", "type": "shipment.status", "order_no": ORD,
                     "tracking_no": text, "courier": "우체국택배", "status": "in_transit"}
        resp = self.integration.post("/ingest/events", json={"events": [event]})
        assert resp.status_code == 200, resp.text[:300]
        [result] = resp.json()["results"]
        if result["result"] == "rejected":
            assert result["error"], result
        return f"200 {result['result']}"


COLUMNS = [
    ("search", lambda f, t: f.search(t, None)),
    ("search, kind=reservation", lambda f, t: f.search(t, "reservation")),
    ("search, kind=order", lambda f, t: f.search(t, "order")),
    ("search, kind=mobile", lambda f, t: f.search(t, "mobile")),
    ("search, kind=tracking", lambda f, t: f.search(t, "tracking")),
    ("order no. in URL", lambda f, t: f.order_path(t)),
    ("triage `order_nos`", lambda f, t: f.triage(t)),
    ("event `reservation_no`", lambda f, t: f.event("reservation_no", t)),
    ("event `customer.mobile`", lambda f, t: f.event("mobile", t)),
    ("event `order_no`", lambda f, t: f.event("order_no", t)),
    ("event `tracking_no`", lambda f, t: f.event("tracking_no", t)),
]


def _table(rows: list[list[str]]) -> str:
    head = "| input | " + " | ".join(name for name, _ in COLUMNS) + " |"
    rule = "| --- " * (len(COLUMNS) + 1) + "|"
    return "\n".join([head, rule, *("| " + " | ".join(r) + " |" for r in rows)])


def _documented() -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- table:begin -->\n(.*?)\n<!-- table:end -->", text, re.S)
    assert match, f"{DOC} has no generated table"
    return match.group(1)


def test_every_identifier_field_answers_as_documented(api: Api, db: Any) -> None:
    ingest(
        db,
        customer_journey(
            SERIAL, order=["received"], shipment=["label_created"], mobile=MOBILE
        ),
    )
    fields = Fields(api)
    rows = []
    for label, text in INPUTS:
        rows.append([label, *(fn(fields, text) for _, fn in COLUMNS)])
    table = _table(rows)
    # the session is still good and nothing was broken on the way
    assert fields.agent.get("/auth/me").status_code == 200
    assert fields.agent.get("/search", params={"q": RES}).json()["matches"]
    assert table == _documented(), "docs/hostile-input.md is out of date; now:\n\n" + table


@pytest.mark.parametrize("kind", ["reservation", "order", "mobile", "tracking"])
def test_a_refusal_names_what_was_expected_and_received(api: Api, db: Any, kind: str) -> None:
    agent: Session = api.as_role("agent")
    wrong = ORD if kind != "order" else RES
    resp = agent.get("/search", params={"q": wrong, "kind": kind})
    assert resp.status_code == 422, resp.text
    err = resp.json()["error"]
    assert err["code"] == "wrong_identifier"
    assert err["expected"] and err["received"], err
