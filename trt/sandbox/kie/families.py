"""How each family renders a task: record-info data, callbacks, the stale out-of-order body."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from trt.sandbox.kie import flux_kontext, gpt4o_image, market, runway, suno, veo
from trt.sandbox.kie.tasks import Callback, Family, JsonObject, Task


@dataclass(frozen=True, slots=True)
class Shape:
    record: Callable[[Task, str], JsonObject]
    callback: Callable[[Task, str], Callback | None]
    stale: Callable[[Task, str], Callback | None]


SHAPES: Final = MappingProxyType(
    {
        Family.MARKET: Shape(record=market.record, callback=market.callback, stale=market.stale),
        Family.VEO: Shape(record=veo.record, callback=veo.callback, stale=veo.stale),
        Family.SUNO: Shape(record=suno.record, callback=suno.callback, stale=suno.stale),
        **{
            family: Shape(record=module.record, callback=module.callback, stale=module.stale)
            for family, module in (
                (Family.FLUX_KONTEXT, flux_kontext),
                (Family.GPT4O_IMAGE, gpt4o_image),
                (Family.RUNWAY, runway),
            )
        },
    }
)
