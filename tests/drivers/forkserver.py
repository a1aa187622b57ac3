"""Start real `trt run` processes in a fraction of a second: a warm parent forks each one.

`import aiogram` and the rest of the bot's imports take about 3 s of CPU per process start. A
chaos run restarts the bot several times, so `python -m tests.drivers.forkserver` imports the
bot's modules once and then forks a child per request. Each child is an ordinary bot process:
its own environment and working directory, its own event loop, sockets and database
connections, running `trt.cli.main(["run"])` exactly as `python -m trt run` does, and it dies
for real when sent SIGKILL.

Protocol, one JSON object per line. Requests on stdin:
`{"env": {...}, "cwd": "...", "log": "..."}` → the answer `{"pid": N}`. When a child ends the
server writes `{"exited": N, "code": C}` (C < 0: killed by signal -C). When stdin closes, the
server kills its children by PID and exits; a child also gets SIGKILL if the server dies.
"""

import ctypes
import json
import os
import select
import signal
import sys
import traceback
from typing import Any

PR_SET_PDEATHSIG = 1
POLL_SECONDS = 0.05
WARM_MODULES = (
    "trt.cli",
    "trt.cli.run",
    "trt.app",
    "trt.app.parts",
    "trt.storage.migrate",
    "trt.storage.leader",
    "trt.services.leadership",
)


def warm_up() -> None:
    import importlib

    for name in WARM_MODULES:
        importlib.import_module(name)


def run_child(request: dict[str, Any]) -> None:
    """In the forked child: become `trt run` with the requested environment; never returns."""
    code = 1
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        from trt.cli import main

        code = main(["run"])
    except BaseException:  # noqa: BLE001 - the child's last word goes to its log; it exits
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    answers = os.dup(1)  # the protocol channel; stray prints in this process go to stderr
    os.dup2(2, 1)
    warm_up()
    children: set[int] = set()

    def say(message: dict[str, Any]) -> None:
        os.write(answers, (json.dumps(message) + "\n").encode())

    pending = b""
    try:
        while True:
            readable, _, _ = select.select([0], [], [], POLL_SECONDS)
            reap(children, say)
            if not readable:
                continue
            data = os.read(0, 1 << 20)
            if not data:
                return
            *lines, pending = (pending + data).split(b"\n")
            for line in lines:
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    run_child(json.loads(line))
                children.add(pid)
                say({"pid": pid})
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue


def reap(children: set[int], say: Any) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        say({"exited": pid, "code": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":
    serve()
