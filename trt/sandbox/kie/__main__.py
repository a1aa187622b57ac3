"""`python -m trt.sandbox.kie --port N`: run the KIE simulator until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from trt.sandbox.kie.scenario import Behaviour, Outcome, Scenario
from trt.sandbox.kie.server import KieSimulator

log = logging.getLogger("trt.sandbox.kie")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m trt.sandbox.kie", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback unless told otherwise")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--api-key", default="sim-key")
    parser.add_argument("--hmac-key", default=None, help="sign callbacks with this key")
    parser.add_argument("--public-url", default=None, help="base of result and upload URLs")
    parser.add_argument("--latency", type=float, default=3.0, help="seconds per task")
    parser.add_argument("--outcome", choices=[o.value for o in Outcome], default="success")
    parser.add_argument("--failure-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--credits", type=float, default=10_000.0)
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    behaviour = Behaviour(
        latency=args.latency, outcome=Outcome(args.outcome), failure_rate=args.failure_rate
    )
    simulator = KieSimulator(
        api_key=args.api_key,
        hmac_key=args.hmac_key,
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        scenario=Scenario(default=behaviour, seed=args.seed),
        credits=args.credits,
    )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    async with simulator:
        log.info("kie_sim.listening base_url=%s api_key=%s", simulator.base_url, args.api_key)
        await stopping.wait()
    log.info("kie_sim.stopped")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
