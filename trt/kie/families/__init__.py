"""Per-family request builders and record parsers behind one small interface.

Each family module holds `CREATE_PATH`, `RECORD_PATH`, `build_create_body(kie_model, fields,
callback_url)` and `parse_record(data, task_id)`; the client picks one with `adapter_for`.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType, ModuleType
from typing import Final

from trt.domain.families import ApiFamily
from trt.kie.families import flux_kontext, gpt4o_image, market, runway, suno, veo
from trt.kie.records import TaskRecord

BodyBuilder = Callable[[str, Mapping[str, object], str | None], dict[str, object]]
RecordParser = Callable[[object, str], TaskRecord]


@dataclass(frozen=True, slots=True)
class FamilyAdapter:
    create_path: str
    record_path: str
    build_create_body: BodyBuilder
    parse_record: RecordParser


_MODULES: Final[Mapping[ApiFamily, ModuleType]] = MappingProxyType(
    {
        ApiFamily.MARKET: market,
        ApiFamily.VEO: veo,
        ApiFamily.SUNO: suno,
        ApiFamily.FLUX_KONTEXT: flux_kontext,
        ApiFamily.GPT4O_IMAGE: gpt4o_image,
        ApiFamily.RUNWAY: runway,
    }
)


def adapter_for(family: ApiFamily) -> FamilyAdapter:
    module = _MODULES[family]
    return FamilyAdapter(
        module.CREATE_PATH, module.RECORD_PATH, module.build_create_body, module.parse_record
    )
