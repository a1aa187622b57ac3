"""KieSimulator: KIE's documented HTTP API, offline, on one aiohttp server.

The same server answers the API host paths (`/api/v1/...`), the upload host paths
(`/api/file-*-upload`), result files (`/files/...`), uploaded files (`/uploads/...`) and the
controls (`/_sim/...`). Every `/api/` path checks `Authorization: Bearer <api_key>`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable

from aiohttp import web
from aiohttp.typedefs import Handler

from trt.sandbox.kie.api import KieApi
from trt.sandbox.kie.callbacks import CallbackSender, DeliveryPolicy
from trt.sandbox.kie.control import ControlApi
from trt.sandbox.kie.faults import FaultInjector
from trt.sandbox.kie.files import FileApi
from trt.sandbox.kie.media import MediaLibrary
from trt.sandbox.kie.responses import unauthorized
from trt.sandbox.kie.scenario import Behaviour, Fault, Outcome, Scenario
from trt.sandbox.kie.simulation import Simulation
from trt.sandbox.kie.stats import Counters, SimStats, TaskInfo
from trt.sandbox.kie.uploads import StoredFile, UploadApi, UploadStore
from trt.sandbox.listening import Listener, StartStop

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
# Stream uploads carry whole videos; aiohttp's default body limit is 1 MiB.
MAX_BODY_BYTES = 200 * 1024 * 1024


class KieSimulator(StartStop):
    def __init__(
        self,
        *,
        api_key: str = "sim-key",
        hmac_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
        scenario: Scenario | None = None,
        credits: float = 10_000.0,
        delivery: DeliveryPolicy | None = None,
    ) -> None:
        self._api_key = api_key
        self._listener = Listener(name="KIE simulator", host=host, port=port)
        self._public_url = public_url.rstrip("/") if public_url else None
        self._counters = Counters()
        self._sender = CallbackSender(
            counters=self._counters, hmac_key=hmac_key, policy=delivery or DeliveryPolicy()
        )
        self._sim = Simulation(
            scenario=scenario or Scenario(),
            credits=credits,
            counters=self._counters,
            sender=self._sender,
        )
        self._uploads = UploadStore()
        self._faults = FaultInjector(counters=self._counters)

    @property
    def base_url(self) -> str:
        """Where the server listens: use it as both KIE_API_BASE and KIE_UPLOAD_BASE."""
        return self._listener.base_url

    @property
    def public_url(self) -> str:
        """The base of result and upload URLs handed to clients."""
        return self._public_url or self.base_url

    async def start(self) -> None:
        if self._listener.listening:
            raise RuntimeError("the KIE simulator is already started")
        await self._sender.start()
        self._faults.open()
        base_url = await self._listener.open(self._build_app())
        self._sim.public_base = self.public_url
        log.info("kie_sim.started base_url=%s", base_url)

    async def stop(self) -> None:
        self._sim.store.cancel_timers()  # first, so that no new callback starts
        self._faults.release_hangs()
        await self._sender.stop()
        await self._listener.close()

    def _build_app(self) -> web.Application:
        app = web.Application(
            middlewares=[self._faults.middleware, self._check_auth],
            client_max_size=MAX_BODY_BYTES,
        )
        app.add_routes(KieApi(self._sim).routes())
        uploads = UploadApi(
            simulation=self._sim, store=self._uploads, session=lambda: self._sender.session
        )
        app.add_routes(uploads.routes())
        app.add_routes(FileApi(simulation=self._sim, media=MediaLibrary()).routes())
        app.add_routes(ControlApi(self).routes())
        return app

    @web.middleware
    async def _check_auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(API_PREFIX):
            given = request.headers.get("Authorization", "")
            if not secrets.compare_digest(given.encode(), f"Bearer {self._api_key}".encode()):
                self._counters.auth_failures += 1
                return unauthorized(http_errors=self._sim.scenario.http_errors)
        return await handler(request)

    # Scenario and controls.

    @property
    def scenario(self) -> Scenario:
        return self._sim.scenario

    def set_scenario(self, scenario: Scenario) -> None:
        self._sim.set_scenario(scenario)

    def set_behaviour(self, behaviour: Behaviour, *, model: str | None = None) -> None:
        """Replace the default behaviour, or one model's."""
        self._sim.set_scenario(self._sim.scenario.with_behaviour(behaviour, model=model))

    def register_models(self, models: Iterable[str] | None) -> None:
        """Market models outside this set get 422; None accepts every model id."""
        self._sim.register_models(models)

    def inject_fault(self, fault: Fault) -> None:
        self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    def faults(self) -> list[Fault]:
        return self._faults.pending()

    def complete_task(self, task_id: str, *, outcome: Outcome = Outcome.SUCCESS) -> None:
        """Finish a running (e.g. held) task now, sending its callbacks."""
        self._sim.complete(task_id, outcome)

    @property
    def credits(self) -> float:
        return self._sim.credits

    def set_credits(self, credits: float) -> None:
        self._sim.credits = credits

    def reset(self) -> None:
        """Forget tasks, uploads, faults and counters; restore the initial scenario and credits."""
        self._sim.reset()
        self._uploads.clear()
        self._faults.clear()

    # Observations.

    def stats(self) -> SimStats:
        return self._counters.snapshot(
            credits=self._sim.credits, pending=self._sender.pending, tasks=self._sim.store.all()
        )

    def task(self, task_id: str) -> TaskInfo | None:
        task = self._sim.store.get(task_id)
        return None if task is None else TaskInfo.of(task)

    def tasks(self) -> list[TaskInfo]:
        return [TaskInfo.of(task) for task in self._sim.store.all()]

    def uploads(self) -> list[StoredFile]:
        return self._uploads.all()

    def uploaded(self, file_path: str) -> bytes | None:
        """The bytes uploaded at `filePath` (e.g. "images/user/cat.png")."""
        stored = self._uploads.get(file_path)
        return None if stored is None else stored.data

    async def wait_callbacks(self, *, max_wait: float = 5.0) -> bool:
        """Wait until no callback delivery is in flight; False if some still are after max_wait."""
        return await self._sender.wait_idle(max_wait=max_wait)
