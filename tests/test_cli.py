"""main.py's command line, run as a user would: a real process per command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from services.models import User
from tests.support.launch import customer_journey

ROOT = Path(__file__).resolve().parents[1]


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=full_env,
        cwd=ROOT,
    )


def test_user_commands_manage_accounts(database_url: str, db) -> None:
    added = run(
        "user",
        "add",
        "kim.agent",
        "--role",
        "agent",
        "--password-stdin",
        "--database-url",
        database_url,
        stdin="correct horse battery\n",
    )
    assert added.returncode == 0, added.stderr
    assert "correct horse" not in added.stdout + added.stderr
    assert (
        run("user", "set-role", "kim.agent", "lead", "--database-url", database_url).returncode == 0
    )
    reset = run(
        "user",
        "reset-password",
        "kim.agent",
        "--password-stdin",
        "--database-url",
        database_url,
        stdin="another long secret\n",
    )
    assert reset.returncode == 0, reset.stderr
    assert run("user", "disable", "kim.agent", "--database-url", database_url).returncode == 0
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == "kim.agent"))
        assert (user.role, user.disabled) == ("lead", True)
    again = run(
        "user",
        "add",
        "kim.agent",
        "--role",
        "agent",
        "--password-stdin",
        "--database-url",
        database_url,
        stdin="correct horse battery\n",
    )
    assert again.returncode == 1 and "already exists" in again.stderr


def test_environment_variable_selects_the_database(database_url: str, db) -> None:
    done = run(
        "user",
        "add",
        "env.user",
        "--role",
        "agent",
        "--password-stdin",
        stdin="long enough pw\n",
        env={"LAUNCHDESK_DATABASE_URL": database_url},
    )
    assert done.returncode == 0, done.stderr
    with db.read() as s:
        assert s.scalar(select(User.role).where(User.username == "env.user")) == "agent"


def test_bad_arguments_and_unreachable_database_fail_clearly(tmp_path: Path) -> None:
    bad_role = run("user", "add", "x1", "--role", "wizard", "--password-stdin", stdin="x\n")
    assert bad_role.returncode == 2 and "invalid choice" in bad_role.stderr
    no_stdin_flag = run("user", "add", "x1", "--role", "agent")
    assert no_stdin_flag.returncode == 2
    down = run("migrate", "--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert down.returncode == 1 and "cannot reach the database" in down.stderr
    scheme = run("migrate", "--database-url", "mysql://x/y")
    assert scheme.returncode == 1 and "unsupported database URL" in scheme.stderr
    short = run(
        "user",
        "add",
        "x1",
        "--role",
        "agent",
        "--password-stdin",
        "--database-url",
        f"sqlite:///{tmp_path}/a.sqlite3",
        stdin="short\n",
    )
    assert short.returncode == 1 and "8-200 characters" in short.stderr


def test_migrate_brings_a_new_database_to_head(tmp_path: Path) -> None:
    done = run("migrate", "--database-url", f"sqlite:///{tmp_path}/new.sqlite3")
    assert done.returncode == 0, done.stderr
    assert "(head)" in done.stdout


def test_ingest_posts_a_file_in_batches(api, db, tmp_path: Path) -> None:
    api.make_user("integration", "feed", password="feed-password")
    events = customer_journey(1, order=["received", "preparing"]) + customer_journey(
        2, order=["draft"]
    )
    path = tmp_path / "events.jsonl"
    path.write_text(
        "\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n", encoding="utf-8"
    )
    done = run(
        "ingest",
        str(path),
        "--backend",
        api.url,
        "--username",
        "feed",
        "--password-stdin",
        "--batch",
        "3",
        stdin="feed-password\n",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"applied": len(events)}
    again = run(
        "ingest",
        str(path),
        "--backend",
        api.url,
        "--username",
        "feed",
        "--password-stdin",
        stdin="feed-password\n",
    )
    assert json.loads(again.stdout.strip().splitlines()[-1]) == {"duplicate": len(events)}
    garbage = tmp_path / "bad.jsonl"
    garbage.write_text("{not json\n", encoding="utf-8")
    bad = run(
        "ingest",
        str(garbage),
        "--backend",
        api.url,
        "--username",
        "feed",
        "--password-stdin",
        stdin="feed-password\n",
    )
    assert bad.returncode == 1 and "bad.jsonl:1" in bad.stderr
    down = run(
        "ingest",
        str(path),
        "--backend",
        "http://127.0.0.1:1",
        "--username",
        "feed",
        "--password-stdin",
        stdin="feed-password\n",
    )
    assert down.returncode == 1 and "cannot reach the backend" in down.stderr


def test_seed_makes_a_launch_and_refuses_a_second_time(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/seeded.sqlite3"
    done = run("seed", "--customers", "300", "--seed", "5", "--database-url", url)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["rows"]["customers"] == 300 and report["rows"]["orders"] > 0
    again = run("seed", "--customers", "300", "--database-url", url)
    assert again.returncode == 1 and "empty database" in again.stderr
    bad = run("seed", "--customers", "zero", "--database-url", url)
    assert bad.returncode == 2 and "expected a whole number" in bad.stderr


def test_simulate_posts_a_launch_over_http(api, db) -> None:
    from sqlalchemy import func

    from services.models import IngestedEvent

    api.make_user("integration", "sim", password="sim-password")
    done = run(
        "simulate",
        "--backend",
        api.url,
        "--rate",
        "40",
        "--duration",
        "2",
        "--username",
        "sim",
        "--password-stdin",
        stdin="sim-password\n",
    )
    assert done.returncode == 0, done.stderr
    posted = int(done.stdout.strip().splitlines()[-1].split()[1])
    assert posted >= 20
    with db.read() as s:
        results = dict(
            s.execute(
                select(IngestedEvent.result, func.count()).group_by(IngestedEvent.result)
            ).all()
        )
    assert results.get("rejected", 0) == 0
    assert sum(results.values()) >= posted * 0.9  # duplicates sent on purpose are not stored twice
    refused = run(
        "simulate",
        "--backend",
        api.url,
        "--rate",
        "5",
        "--duration",
        "1",
        "--username",
        "sim",
        "--password-stdin",
        stdin="wrong-password\n",
    )
    assert refused.returncode == 1 and "refused" in refused.stderr
