"""Client-side load: HTTP over loopback from processes of their own (fork), as consoles and
upstream systems would send it.

Each client process holds keep-alive connections (http.client, lighter than requests, so
the clients leave as much of the two cores as possible to the server) and reports what
it measured through a queue. Timed phases start together: every process prepares (logs
in, generates its events), says it is ready, and waits for the go.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

CTX = multiprocessing.get_context("fork")


class Http:
    """One keep-alive HTTP/1.1 connection; JSON in and out; reconnects once on a drop."""

    def __init__(self, base: str, token: str | None = None, timeout: float = 120.0) -> None:
        parts = urlsplit(base)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.timeout = timeout
        self.token = token
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        data = None
        hdrs = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(
                        self.host, self.port, timeout=self.timeout
                    )
                self.conn.request(method, path, body=data, headers=hdrs)
                response = self.conn.getresponse()
                payload = response.read()
                if response.getheader("connection", "").lower() == "close":
                    self.close()
                return response.status, payload
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        status, payload = self.call(method, path, body)
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, payload.decode(errors="replace")


def login(base: str, username: str, password: str) -> str:
    status, body = Http(base).json(
        "POST", "/api/v1/auth/login", {"username": username, "password": password}
    )
    if status != 200:
        raise RuntimeError(f"login {username}: {status} {body}")
    return body["token"]


# --- running processes together -------------------------------------------------------------


def _child(target: Callable[..., Any], args: tuple, out: Any, ready: Any, go: Any) -> None:
    try:
        prepared = target(*args, prepare_only=True)
        ready.release()
        go.wait()
        out.put(("ok", target(*args, prepared=prepared)))
    except BaseException:
        ready.release()
        out.put(("error", traceback.format_exc()))


def run_together(
    target: Callable[..., Any], arglist: Sequence[tuple], *, timeout: float = 600
) -> tuple[list[Any], float, float]:
    """Start one process per args; each prepares, then all run at once.

    target(*args, prepare_only=True) prepares and returns what it needs;
    target(*args, prepared=x) runs the timed work and returns its result.
    Returns (results, monotonic start, monotonic end of the last).
    """
    out = CTX.Queue()
    ready = CTX.Semaphore(0)
    go = CTX.Event()
    procs = [CTX.Process(target=_child, args=(target, a, out, ready, go)) for a in arglist]
    for p in procs:
        p.start()
    for _ in procs:
        if not ready.acquire(timeout=timeout):
            raise RuntimeError("a load process did not get ready")
    started = time.monotonic()
    go.set()
    results = []
    for _ in procs:
        kind, value = out.get(timeout=timeout)
        if kind == "error":
            for p in procs:
                p.kill()
            raise RuntimeError(f"a load process failed:\n{value}")
        results.append(value)
    ended = time.monotonic()
    for p in procs:
        p.join(10)
    return results, started, ended


# --- latency: back-to-back requests -----------------------------------------------------------


@dataclass
class Spec:
    tag: str
    method: str
    path: str
    body: Any = None
    expect: Any = None  # e.g. a customer id the answer must contain


def latency_client(
    bases: list[str],
    token: str,
    specs: list[Spec],
    check: str | None = None,
    *,
    prepare_only: bool = False,
    prepared: Any = None,
) -> Any:
    if prepare_only:
        # One warm connection per server before the clock starts.
        clients = [Http(b, token) for b in bases]
        for c in clients:
            c.call("GET", "/healthz")
        return clients
    clients = prepared
    out: list[tuple[str, float, int, bool]] = []
    for i, spec in enumerate(specs):
        client = clients[i % len(clients)]
        t0 = time.perf_counter()
        status, payload = client.call(spec.method, spec.path, spec.body)
        elapsed = (time.perf_counter() - t0) * 1000
        ok = status == 200 and _checked(check, payload, spec)
        out.append((spec.tag, elapsed, status, ok))
    for c in clients:
        c.close()
    return out


def _checked(check: str | None, payload: bytes, spec: Spec) -> bool:
    if check is None or spec.expect is None:
        return True
    body = json.loads(payload)
    if check == "search":
        return any(m["customer_id"] == spec.expect for m in body["matches"]) or (
            spec.tag == "name" and bool(body["matches"])
        )
    if check == "customer":
        return body["customer"]["id"] == spec.expect
    if check == "stuck":
        return "counts_by_cause" in body and len(body["items"]) > 0
    return True


# --- claims: many agents taking the next callback at once -------------------------------------


def claim_client(
    bases: list[str],
    agents: list[tuple[int, str]],
    duration: float,
    *,
    prepare_only: bool = False,
    prepared: Any = None,
) -> Any:
    """One thread per agent: POST /callbacks/next back to back for `duration` seconds."""
    if prepare_only:
        conns = []
        for i, (_uid, token) in enumerate(agents):
            c = Http(bases[i % len(bases)], token)
            c.call("GET", "/healthz")
            conns.append(c)
        return conns
    conns = prepared
    end = time.monotonic() + duration
    claims: list[tuple[int, int, float]] = []  # (callback id, user id, latency ms)
    empties = Counter()
    errors: list[str] = []
    lock = threading.Lock()

    def agent(i: int) -> None:
        uid = agents[i][0]
        conn = conns[i]
        mine: list[tuple[int, int, float]] = []
        while time.monotonic() < end:
            t0 = time.perf_counter()
            try:
                status, payload = conn.call("POST", "/api/v1/callbacks/next")
            except Exception as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                continue
            ms = (time.perf_counter() - t0) * 1000
            if status == 200:
                mine.append((json.loads(payload)["id"], uid, ms))
            elif status == 204:
                with lock:
                    empties[uid] += 1
                time.sleep(0.05)
            else:
                with lock:
                    errors.append(f"{status} {payload[:200]!r}")
        with lock:
            claims.extend(mine)

    threads = [threading.Thread(target=agent, args=(i,)) for i in range(len(agents))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in conns:
        c.close()
    return {"claims": claims, "empties": sum(empties.values()), "errors": errors}


# --- ingest: upstream systems posting batches -------------------------------------------------


def ingest_client(
    bases: list[str],
    token: str,
    seed: int,
    start_serial: int,
    batches: int,
    batch_size: int,
    duration: float,
    *,
    prepare_only: bool = False,
    prepared: Any = None,
) -> Any:
    """Generate `batches` batches with the launch simulator first (not timed), then post
    them back to back until they are all in or `duration` has passed."""
    if prepare_only:
        from services.simulate import LaunchSimulator

        # A launch in full swing: journeys compressed so that the stream is in its steady
        # mix (about one new customer in 11 events) from the first batch on.
        sim = LaunchSimulator(
            seed=seed, start_serial=start_serial, rate=batch_size * 10.0, speedup=200_000.0
        )
        bodies = []
        for _ in range(batches):
            events = sim.next_events(batch_size)
            bodies.append((len(events), json.dumps({"events": events}).encode()))
        conns = [Http(b, token) for b in bases]
        for c in conns:
            c.call("GET", "/healthz")
        return bodies, conns
    bodies, conns = prepared
    end = time.monotonic() + duration
    posted = 0
    counts: Counter[str] = Counter()
    latencies: list[float] = []
    errors: list[str] = []
    first_rejected: str | None = None
    started = time.monotonic()
    finished = started
    for i, (n, body) in enumerate(bodies):
        if time.monotonic() >= end:
            break
        t0 = time.perf_counter()
        status, payload = conns[i % len(conns)].call("POST", "/api/v1/ingest/events", body)
        latencies.append((time.perf_counter() - t0) * 1000)
        finished = time.monotonic()
        if status != 200:
            errors.append(f"{status} {payload[:300]!r}")
            continue
        answer = json.loads(payload)
        counts.update(answer["counts"])
        posted += n
        if first_rejected is None and answer["counts"].get("rejected"):
            first_rejected = next(
                (r.get("error") for r in answer["results"] if r["result"] == "rejected"), None
            )
    for c in conns:
        c.close()
    return {
        "posted": posted,
        "seconds": finished - started,
        "counts": dict(counts),
        "latencies": latencies,
        "errors": errors,
        "first_rejected": first_rejected,
    }


# --- the change feed: a second console following it ------------------------------------------


@dataclass
class FeedWatcher:
    """A process long-polling GET /changes like the console's FeedFollower, reporting when
    each note's change arrives."""

    base: str
    token: str
    wait: float = 20.0
    seen: Any = field(default_factory=lambda: CTX.Queue())
    stop: Any = field(default_factory=lambda: CTX.Event())
    started: Any = field(default_factory=lambda: CTX.Event())
    proc: Any = None

    def start(self) -> FeedWatcher:
        self.proc = CTX.Process(target=self._run, daemon=True)
        self.proc.start()
        if not self.started.wait(30):
            raise RuntimeError("the feed watcher did not start")
        return self

    def _run(self) -> None:
        conn = Http(self.base, self.token, timeout=self.wait + 30)
        status, body = conn.json("GET", "/api/v1/changes?after=0&wait=0")
        last = int(body["last_seq"])
        self.started.set()
        while not self.stop.is_set():
            status, body = conn.json("GET", f"/api/v1/changes?after={last}&wait={self.wait:g}")
            now = time.monotonic()
            if status != 200:
                time.sleep(0.5)
                continue
            for change in body["changes"]:
                if change["kind"] == "note":
                    self.seen.put((change["id"], now))
            last = int(body["last_seq"])

    def close(self) -> None:
        self.stop.set()
        if self.proc is not None:
            self.proc.join(1)
            if self.proc.is_alive():
                self.proc.kill()
