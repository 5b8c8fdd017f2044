"""The benchmark's data set: seeded once, kept, and copied to a working database per run.

A pristine data set (``main.py seed --customers N --seed S``) is kept per database kind:
for SQLite a file in the cache directory, for PostgreSQL a database of its own
(``launchdesk_bench_<N>_s<S>``). Beside it a manifest (JSON, in the cache directory)
records how it was made and how long seeding took. A run reuses the pristine set when the
manifest and the data agree (the customer count and the last customer's reference), else
seeds again. Each run then works on a copy (a file copy; ``CREATE DATABASE ... TEMPLATE``),
so what one run writes (ingested events, claims, notes) never skews the next.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_VERSION = 1


@dataclass
class DataSet:
    kind: str  # "sqlite" | "postgresql"
    url: str  # the working copy, what the benchmark serves and measures
    pristine_url: str
    customers: int
    seed: int
    seeded_at: str
    seed_seconds: float
    seeded_now: bool  # seeded by this run (else reused)
    prepare_seconds: float = 0.0


def _manifest_path(cache: Path, name: str) -> Path:
    return cache / f"{name}.json"


def _read_manifest(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _fingerprint_ok(url: str, customers: int) -> bool:
    """The data really is a seed of `customers` customers (not empty, not half-written)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            last = conn.execute(text("SELECT MAX(id) FROM customers")).scalar()
            ref = conn.execute(
                text("SELECT ref FROM customers WHERE id = :i"), {"i": customers}
            ).scalar()
            return last == customers and ref == f"C{customers:08d}"
    except Exception:
        return False
    finally:
        engine.dispose()


def _run_cli(args: list[str], log: Callable[[str], None]) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"main.py {args[0]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout


def _seed(url: str, customers: int, seed: int, log: Callable[[str], None]) -> float:
    log(f"  seeding {customers:,} customers into {_safe(url)} (main.py seed) ...")
    started = time.monotonic()
    out = _run_cli(
        ["seed", "--customers", str(customers), "--seed", str(seed), "--database-url", url], log
    )
    wall = time.monotonic() - started
    try:
        report = json.loads(out)
        log(f"  seeded in {wall:.0f} s (seed_launch itself {report['elapsed']:.0f} s)")
    except (ValueError, KeyError):
        log(f"  seeded in {wall:.0f} s")
    return wall


def ensure_indexes(url: str, log: Callable[[str], None]) -> None:
    """The schema's indexes as the models declare them.

    A data set kept from an earlier run may have been migrated while a migration still
    lacked an index it has now (revision 0002 was committed empty, to be filled by this
    benchmark's work): create what is missing. Nothing is dropped: an index the models do
    not declare (yet) belongs to a migration, which is the schema's truth.
    """
    from services.schema import metadata

    engine = create_engine(url)
    changed = False
    try:
        with engine.begin() as conn:
            insp = inspect(conn)
            for table in metadata().sorted_tables:
                if not insp.has_table(table.name):
                    continue
                have = {ix["name"] for ix in insp.get_indexes(table.name)}
                for index in table.indexes:
                    if index.name not in have:
                        log(f"  creating index {index.name}")
                        index.create(conn)
                        changed = True
        if changed and engine.dialect.name == "sqlite":
            with engine.connect() as conn:  # planner statistics, as seeding leaves them
                conn.exec_driver_sql("PRAGMA analysis_limit=1000")
                conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


# --- SQLite -------------------------------------------------------------------------------------


def prepare_sqlite(cache: Path, customers: int, seed: int, log: Callable[[str], None]) -> DataSet:
    started = time.monotonic()
    cache.mkdir(parents=True, exist_ok=True)
    name = f"launch-{customers}-s{seed}"
    pristine = cache / f"{name}.sqlite3"
    pristine_url = f"sqlite:///{pristine}"
    manifest_path = _manifest_path(cache, f"sqlite-{name}")
    manifest = _read_manifest(manifest_path)
    wanted = {"version": MANIFEST_VERSION, "customers": customers, "seed": seed}
    reuse = (
        manifest is not None
        and all(manifest.get(k) == v for k, v in wanted.items())
        and pristine.exists()
        and _fingerprint_ok(pristine_url, customers)
    )
    if reuse:
        assert manifest is not None
        log(f"  reusing {pristine} (seeded {manifest['seeded_at']})")
    else:
        manifest_path.unlink(missing_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{pristine}{suffix}").unlink(missing_ok=True)
        seconds = _seed(pristine_url, customers, seed, log)
        manifest = {
            **wanted,
            "seeded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seed_seconds": round(seconds, 1),
        }
        manifest_path.write_text(json.dumps(manifest, indent=2))
    # Newer migrations (indexes) go into the pristine copy once, not into every run.
    _run_cli(["migrate", "--database-url", pristine_url], log)
    ensure_indexes(pristine_url, log)
    engine = create_engine(pristine_url)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    work = cache / "work.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(pristine, work)
    return DataSet(
        kind="sqlite",
        url=f"sqlite:///{work}",
        pristine_url=pristine_url,
        customers=customers,
        seed=seed,
        seeded_at=manifest["seeded_at"],
        seed_seconds=float(manifest["seed_seconds"]),
        seeded_now=not reuse,
        prepare_seconds=time.monotonic() - started,
    )


# --- PostgreSQL ---------------------------------------------------------------------------------


def _admin(url: str):
    admin = make_url(url).set(database="postgres")
    return create_engine(admin, isolation_level="AUTOCOMMIT")


def _exists(admin, name: str) -> bool:
    with admin.connect() as conn:
        return (
            conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            is not None
        )


def _drop(admin, name: str) -> None:
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare_postgresql(
    base_url: str, cache: Path, customers: int, seed: int, log: Callable[[str], None]
) -> DataSet:
    """base_url names the server and user; the database names are the benchmark's own."""
    started = time.monotonic()
    cache.mkdir(parents=True, exist_ok=True)
    name = f"launchdesk_bench_{customers}_s{seed}"
    work_name = "launchdesk_bench_work"
    pristine_url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    work_url = make_url(base_url).set(database=work_name).render_as_string(hide_password=False)
    admin = _admin(base_url)
    try:
        manifest_path = _manifest_path(cache, f"pg-{name}")
        manifest = _read_manifest(manifest_path)
        wanted = {"version": MANIFEST_VERSION, "customers": customers, "seed": seed}
        reuse = (
            manifest is not None
            and all(manifest.get(k) == v for k, v in wanted.items())
            and _exists(admin, name)
            and _fingerprint_ok(pristine_url, customers)
        )
        if reuse:
            assert manifest is not None
            log(f"  reusing database {name} (seeded {manifest['seeded_at']})")
        else:
            manifest_path.unlink(missing_ok=True)
            _drop(admin, name)
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            seconds = _seed(pristine_url, customers, seed, log)
            manifest = {
                **wanted,
                "seeded_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "seed_seconds": round(seconds, 1),
            }
            manifest_path.write_text(json.dumps(manifest, indent=2))
        _run_cli(["migrate", "--database-url", pristine_url], log)
        ensure_indexes(pristine_url, log)
        # What autovacuum does within minutes of a bulk load: the visibility map lets
        # PostgreSQL answer from indexes alone. Quick when there is nothing left to do.
        engine = create_engine(pristine_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
        engine.dispose()
        _drop(admin, work_name)
        with admin.connect() as conn:
            conn.exec_driver_sql(
                f'CREATE DATABASE "{work_name}" TEMPLATE "{name}" STRATEGY = FILE_COPY'
            )
    finally:
        admin.dispose()
    return DataSet(
        kind="postgresql",
        url=work_url,
        pristine_url=pristine_url,
        customers=customers,
        seed=seed,
        seeded_at=manifest["seeded_at"],
        seed_seconds=float(manifest["seed_seconds"]),
        seeded_now=not reuse,
        prepare_seconds=time.monotonic() - started,
    )


def drop_work(dataset: DataSet) -> None:
    """Remove the run's working copy (the pristine set stays for the next run)."""
    if dataset.kind == "sqlite":
        path = Path(make_url(dataset.url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    admin = _admin(dataset.url)
    try:
        _drop(admin, make_url(dataset.url).database or "")
    finally:
        admin.dispose()
