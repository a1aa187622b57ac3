"""Start and kill `trt run` processes from an asyncio test: exec'd (`python -m trt run`) or
forked from a warm parent (`tests/drivers/forkserver.py`, the same code without 3 s of imports).

Every process started here is ended here, by its PID.
"""

import asyncio
import contextlib
import json
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

ROOT = Path(__file__).resolve().parents[2]
STOP_TIMEOUT = 20.0
Mode = Literal["fork", "exec"]


@dataclass
class BotProcess:
    pid: int
    log_path: Path
    exited: "asyncio.Future[int]" = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def alive(self) -> bool:
        return not self.exited.done()

    @property
    def exit_code(self) -> int | None:
        return self.exited.result() if self.exited.done() else None

    async def kill(self) -> None:
        """SIGKILL, and wait until the process is gone."""
        await self._signal(signal.SIGKILL)

    async def stop(self) -> None:
        """SIGTERM (a clean shutdown), SIGKILL if it takes longer than STOP_TIMEOUT."""
        await self._signal(signal.SIGTERM)

    async def _signal(self, signum: int) -> None:
        if not self.alive:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)
        try:
            await asyncio.wait_for(asyncio.shield(self.exited), STOP_TIMEOUT)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            await asyncio.wait_for(asyncio.shield(self.exited), STOP_TIMEOUT)

    def tail(self, lines: int = 20) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class Launcher(Protocol):
    async def spawn(self, env: dict[str, str], *, cwd: Path, log: Path) -> BotProcess: ...

    async def close(self) -> None: ...


class ExecLauncher:
    """Each process is a fresh `python -m trt run`."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Task[None]] = set()

    async def spawn(self, env: dict[str, str], *, cwd: Path, log: Path) -> BotProcess:
        with log.open("ab") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "trt",
                "run",
                cwd=cwd,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )
        process = BotProcess(pid=proc.pid, log_path=log)

        async def wait() -> None:
            process.exited.set_result(await proc.wait())

        waiter = asyncio.create_task(wait())
        self._waiters.add(waiter)
        waiter.add_done_callback(self._waiters.discard)
        return process

    async def close(self) -> None:
        await asyncio.gather(*self._waiters, return_exceptions=True)


class ForkLauncher:
    """Processes forked by one warm `tests.drivers.forkserver` parent."""

    def __init__(self) -> None:
        self._server: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._spawned: asyncio.Queue[int] = asyncio.Queue()
        self._processes: dict[int, BotProcess] = {}
        self._exits: dict[int, int] = {}
        self._lock = asyncio.Lock()

    async def start(self) -> "ForkLauncher":
        self._server = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.drivers.forkserver",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def spawn(self, env: dict[str, str], *, cwd: Path, log: Path) -> BotProcess:
        assert self._server is not None
        assert self._server.stdin is not None
        request = {"env": env, "cwd": str(cwd), "log": str(log)}
        async with self._lock:  # answers come in request order
            self._server.stdin.write((json.dumps(request) + "\n").encode())
            await self._server.stdin.drain()
            pid = await asyncio.wait_for(self._spawned.get(), 30)
        process = BotProcess(pid=pid, log_path=log)
        self._processes[pid] = process
        if pid in self._exits:  # died before we registered it
            process.exited.set_result(self._exits.pop(pid))
        return process

    async def _read(self) -> None:
        assert self._server is not None
        assert self._server.stdout is not None
        while line := await self._server.stdout.readline():
            message = json.loads(line)
            if "pid" in message:
                self._spawned.put_nowait(int(message["pid"]))
                continue
            pid, code = int(message["exited"]), int(message["code"])
            process = self._processes.pop(pid, None)
            if process is None:
                self._exits[pid] = code
            elif not process.exited.done():
                process.exited.set_result(code)

    async def close(self) -> None:
        if self._server is None:
            return
        for process in list(self._processes.values()):
            await process.kill()
        assert self._server.stdin is not None
        self._server.stdin.close()
        try:
            await asyncio.wait_for(self._server.wait(), STOP_TIMEOUT)
        except TimeoutError:
            self._server.kill()
            await self._server.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        self._server = None


async def launcher(mode: Mode) -> Launcher:
    if mode == "fork":
        return await ForkLauncher().start()
    return ExecLauncher()
