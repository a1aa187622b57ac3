"""Run `trt` as a real child process on loopback, and talk to its HTTP port."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BASE_ENV = {
    "BOT_TOKEN": "123456:TEST-TOKEN-FOR-PROCESS-TESTS-ONLY",
    "KIE_API_KEY": "test-kie-key",
    "HOST": "127.0.0.1",
    "LOG_FORMAT": "json",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(url: str, timeout: float = 2.0) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@dataclass
class TrtProcess:
    workdir: Path
    env: dict[str, str]
    args: tuple[str, ...] = ("run",)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "TrtProcess":
        env = {**os.environ, **BASE_ENV, **self.env, "PORT": str(self.port)}
        self.log_path = self.workdir / f"trt-{self.port}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "trt", *self.args],
            cwd=self.workdir,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    def health(self) -> dict[str, Any] | None:
        try:
            status, body = get_json(f"{self.base_url}/health", timeout=1.0)
        except (OSError, ValueError):
            return None
        return body if status == 200 else None

    def wait_for(self, predicate: Any, *, timeout: float, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.health()
            if body is not None and predicate(body):
                return body
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"trt exited ({self.proc.returncode}): {self.output()}")
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}: {self.output()}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=15)

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        self.kill(signal.SIGTERM)
        self._log.close()


@contextmanager
def sandbox_process(workdir: Path, *extra_args: str) -> Iterator[str]:
    """`trt sandbox` as a real process; yields the web chat's base URL once the bot is active."""
    chat_port, kie_port = free_port(), free_port()
    process = TrtProcess(workdir, {})
    process.args = (
        "sandbox",
        "--port",
        str(chat_port),
        "--bot-port",
        str(process.port),
        "--kie-port",
        str(kie_port),
        *extra_args,
    )
    process.start()
    try:
        process.wait_for(lambda body: body["role"] == "active", timeout=30, what="sandbox bot")
        yield f"http://127.0.0.1:{chat_port}"
    finally:
        process.stop()
