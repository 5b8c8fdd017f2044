"""Contact reasons over HTTP: agents log contacts with a reason from the list, leads extend
it and watch the top reasons and the customers behind them."""

from __future__ import annotations

from collections import Counter

from tests.support.people import make_customers


def test_contacts_logged_over_http_are_counted_and_traced_to_customers(api, db) -> None:
    customers = make_customers(db, 4)
    agent = api.as_role("agent")
    lead = api.as_role("lead")
    reasons = agent.get("/contact-reasons").json()["reasons"]
    assert [r["key"] for r in reasons][:2] == ["delivery", "order_status"]
    assert all(r["label"] and r["label_en"] for r in reasons)

    logged = [
        (customers[0], "delivery"),
        (customers[1], "delivery"),
        (customers[1], "delivery"),
        (customers[2], "activation"),
        (customers[3], "promotion"),
        (customers[0], "other"),
    ]
    for cid, reason in logged:
        resp = agent.post(f"/customers/{cid}/notes", json={"body": "문의", "reason": reason})
        assert resp.status_code == 201, resp.text
        assert resp.json()["reason"] == reason

    top = lead.get("/contact-reasons/top").json()
    counts = {r["key"]: r["last"] for r in top["reasons"] if r["last"]}
    assert counts == dict(Counter(reason for _, reason in logged))
    assert top["reasons"][0]["key"] == "delivery" and top["total_last"] == len(logged)
    assert top["window_minutes"] == 60
    behind = lead.get("/contact-reasons/delivery/customers").json()["customers"]
    assert sorted((c["customer_id"], c["contacts"]) for c in behind) == sorted(
        [(customers[0], 1), (customers[1], 2)]
    )


def test_unknown_reason_is_refused_naming_the_list(api, db) -> None:
    cid = make_customers(db, 1)[0]
    agent = api.as_role("agent")
    resp = agent.post(f"/customers/{cid}/notes", json={"body": "문의", "reason": "weather"})
    assert resp.status_code == 404, resp.text  # not on the list (which leads extend)
    error = resp.json()["error"]
    assert error["code"] == "reason_not_found"
    assert "delivery" in error["message"] and "'weather'" in error["message"]


def test_a_lead_adds_a_reason_agents_then_use_and_agents_may_not_add(api, db) -> None:
    cid = make_customers(db, 1)[0]
    agent = api.as_role("agent")
    lead = api.as_role("lead")
    body = {"key": "esim_transfer", "label": "eSIM 이동", "label_en": "eSIM transfer"}
    refused = agent.post("/contact-reasons", json=body)
    assert refused.status_code == 403
    added = lead.post("/contact-reasons", json=body)
    assert added.status_code == 201, added.text
    assert added.json()["key"] == "esim_transfer" and not added.json()["built_in"]
    assert "esim_transfer" in [r["key"] for r in agent.get("/contact-reasons").json()["reasons"]]
    ok = agent.post(f"/customers/{cid}/notes", json={"body": "eSIM", "reason": "esim_transfer"})
    assert ok.status_code == 201, ok.text
    built_in = lead.post("/contact-reasons/delivery/retire")
    assert built_in.status_code == 409
    assert lead.post("/contact-reasons/esim_transfer/retire").status_code == 200
    again = agent.post(f"/customers/{cid}/notes", json={"body": "eSIM", "reason": "esim_transfer"})
    assert again.status_code == 404
    listed = lead.get("/contact-reasons", params={"include_retired": "true"}).json()["reasons"]
    assert {"key": "esim_transfer", "active": False}.items() <= listed[-1].items()
    bad_key = lead.post("/contact-reasons", json={**body, "key": "E-SIM"})
    assert bad_key.status_code == 422, bad_key.text
    assert "key" in bad_key.json()["error"]["message"]
    assert "a-z" in bad_key.json()["error"]["message"]  # names the expected form
    assert lead.get("/contact-reasons/no_such_reason/customers").status_code == 404
    assert lead.get("/contact-reasons/top", params={"minutes": 1}).status_code == 422
