"""GET /orders/stuck: filtered by age (the page and its total agree, bad ages are named);
its overtaken index loaded before the first lead asks."""

from __future__ import annotations

from tests.console.test_triage import many_stuck_orders


def test_older_than_filter_narrows_the_page_and_its_total(api, db) -> None:
    many_stuck_orders(db, 30)  # waiting 49..78 h, every third with a cause
    lead = api.as_role("lead")
    everything = lead.get("/orders/stuck", params={"limit": 100}).json()
    assert everything["total"] == 30
    old = lead.get("/orders/stuck", params={"limit": 100, "min_age_hours": 72}).json()
    assert old["total"] == len(old["items"]) == 7
    assert all(item["age_hours"] >= 72 for item in old["items"])
    # counts by cause stay the whole stuck list's (the chart and chips beside the filter)
    assert old["counts_by_cause"] == everything["counts_by_cause"]
    both = lead.get("/orders/stuck", params={"min_age_hours": 72, "cause": "stock_shortage"}).json()
    assert both["total"] == len(both["items"]) == 3  # i = 24, 27, 30


def test_a_bad_age_is_refused_naming_the_range(api) -> None:
    lead = api.as_role("lead")
    for bad in ("-1", "2161", "1.5", "abc"):
        resp = lead.get("/orders/stuck", params={"min_age_hours": bad})
        assert resp.status_code == 422, (bad, resp.text)
        assert "min_age_hours" in resp.text


def test_a_serve_process_loads_the_overtaken_index_as_it_starts(db) -> None:
    """The first lead's triage must not pay for loading it (a second at 1,000,000)."""
    import time

    from services import orders
    from services.server import ThreadedServer

    assert orders._overtaken.get(db.engine.pool) is None
    served = ThreadedServer(db, outbox=False).start()
    try:
        deadline = time.monotonic() + 10
        index = None
        while time.monotonic() < deadline:  # no request is made: the start-up loads it
            index = orders._overtaken.get(db.engine.pool)
            if index is not None and index.loaded:
                break
            time.sleep(0.05)
        assert index is not None and index.loaded
    finally:
        served.stop()
