from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from tests.support.people import make_customers


def test_reader_sees_every_change_of_concurrent_writers_exactly_once(api, db, server) -> None:
    customers = make_customers(db, 10)
    reader = api.as_role("agent")
    start = reader.get("/changes", params={"after": 0, "wait": 0}).json()["last_seq"]
    writers = [api.as_role("agent") for _ in range(8)]
    created: list[int] = []
    lock = threading.Lock()
    done = threading.Event()
    seen: list[dict] = []

    def read() -> None:
        after = start
        while True:
            finished = done.is_set()
            resp = reader.get("/changes", params={"after": after, "wait": 0.5})
            assert resp.status_code == 200, resp.text
            body = resp.json()
            seqs = [c["seq"] for c in body["changes"]]
            assert seqs == sorted(seqs) and all(s > after for s in seqs)
            seen.extend(body["changes"])
            after = body["last_seq"]
            if finished and not body["changes"]:
                return

    def write(session) -> None:
        for i in range(25):
            customer = customers[i % len(customers)]
            resp = session.post(f"/customers/{customer}/notes", json={"body": f"통화 기록 {i}"})
            assert resp.status_code == 201, resp.text
            with lock:
                created.append(resp.json()["id"])

    reader_thread = threading.Thread(target=read)
    reader_thread.start()
    with ThreadPoolExecutor(len(writers)) as pool:
        list(pool.map(write, writers))
    done.set()
    reader_thread.join(timeout=60)
    assert not reader_thread.is_alive()
    notes = Counter(int(c["id"]) for c in seen if c["kind"] == "note")
    assert sorted(notes) == sorted(created)
    assert set(notes.values()) == {1}
    seqs = [c["seq"] for c in seen]
    assert len(seqs) == len(set(seqs))
    # the long polls were answered from the serve process's tail, not only the database
    assert server.app.state.watcher.answered > 0


def test_long_poll_returns_within_a_second_of_a_commit(api, db) -> None:
    [customer] = make_customers(db, 1)
    reader = api.as_role("agent")
    writer = api.as_role("agent")
    after = reader.get("/changes", params={"after": 0, "wait": 0}).json()["last_seq"]
    result: dict = {}

    def poll() -> None:
        resp = reader.get("/changes", params={"after": after, "wait": 10})
        result["at"] = time.monotonic()
        result["body"] = resp.json()

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.5)
    committed = time.monotonic()
    assert writer.post(f"/customers/{customer}/notes", json={"body": "새 메모"}).status_code == 201
    thread.join(timeout=15)
    assert result["body"]["changes"], result
    assert result["body"]["changes"][0]["customer_id"] == customer
    assert result["at"] - committed < 1.0


def test_idle_long_poll_waits_then_answers_empty(api) -> None:
    reader = api.as_role("agent")
    last = reader.get("/changes", params={"after": 0, "wait": 0}).json()["last_seq"]
    began = time.monotonic()
    body = reader.get("/changes", params={"after": last, "wait": 1}).json()
    assert 0.9 <= time.monotonic() - began < 5
    assert body == {"changes": [], "last_seq": last}


def test_two_backends_on_one_database_behave_as_one(api, db) -> None:
    from services.db import Database
    from services.server import ThreadedServer
    from tests.support.client import Api

    second_db = Database(db.url)
    second = ThreadedServer(second_db, outbox=False).start()
    try:
        other = Api(second.url, second_db)
        [customer] = make_customers(db, 1)
        reader = other.login(api.make_user("agent"))
        writer = api.as_role("agent")
        after = reader.get("/changes", params={"after": 0, "wait": 0}).json()["last_seq"]
        note = writer.post(
            f"/customers/{customer}/notes", json={"body": "다른 서버에서 쓴 메모"}
        ).json()
        body = reader.get("/changes", params={"after": after, "wait": 5}).json()
        assert {"kind": "note", "id": str(note["id"])}.items() <= body["changes"][0].items()
        screen = reader.get(f"/customers/{customer}").json()
        assert [n["body"] for n in screen["notes"]] == ["다른 서버에서 쓴 메모"]
        # a token from one process works on the other: sessions live in the database
        assert (
            writer.http.get(
                second.url + "/api/v1/auth/me",
                headers={"Authorization": f"Bearer {writer.token}"},
                timeout=10,
            ).status_code
            == 200
        )
    finally:
        second.stop()
        second_db.dispose()


def test_a_feed_caller_is_remembered_for_at_most_a_second(api, db) -> None:
    """Feed polls look the token up at most once a second: revoked elsewhere (another
    process, the command line), it stops working within that second; logged out here, at
    once. Other routes look it up every time."""
    from sqlalchemy import select

    from services.accounts import hash_token
    from services.models import AuthSession

    reader = api.as_role("agent")
    assert reader.get("/changes", params={"wait": 0}).status_code == 200
    with db.write() as s:
        s.scalar(
            select(AuthSession).where(AuthSession.token_hash == hash_token(reader.token))
        ).revoked_at = datetime.now(UTC)
    assert reader.get("/auth/me").status_code == 401  # looked up: refused at once
    time.sleep(1.1)
    refused = reader.get("/changes", params={"wait": 0})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_revoked"

    other = api.as_role("agent")
    assert other.get("/changes", params={"wait": 0}).status_code == 200
    assert other.post("/auth/logout").status_code == 204
    assert other.get("/changes", params={"wait": 0}).status_code == 401

    system = api.as_role("integration")  # a role that may not follow the feed
    assert system.get("/changes", params={"wait": 0}).status_code == 403
    assert system.get("/changes", params={"wait": 0}).status_code == 403  # remembered: still
