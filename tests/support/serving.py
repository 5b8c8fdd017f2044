"""`python main.py serve` as a real process: started on a free port, killed on purpose."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from services.server import free_port

ROOT = Path(__file__).resolve().parents[2]


class Served:
    """One `serve` process; its output (uvicorn's and the app's log) goes to a file."""

    def __init__(
        self, database_url: str, log_dir: Path, *, workers: int = 1, log_name: str | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.base = self.url + "/api/v1"
        self.log_path = log_dir / (log_name or f"serve-{self.port}.log")
        env = {**os.environ, "LAUNCHDESK_DATABASE_URL": database_url}
        env.pop("LAUNCHDESK_SMS_GATEWAY_URL", None)
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "main.py"),
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a SIGKILL to the group reaches every worker
        )

    def wait_ready(self, timeout: float = 60) -> Served:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited ({self.proc.returncode}): {self.log()[-2000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"serve did not answer within {timeout} s: {self.log()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL, no goodbye: the process (and its workers) die mid-whatever."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")
