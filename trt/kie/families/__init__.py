"""Per-family request builders and record parsers behind one small interface.

Each family module holds `CREATE_PATH`, `RECORD_PATH`, `build_create_body(kie_model, fields,
callback_url)` and `parse_record(data, task_id)`; the client picks one with `adapter_for`.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from trt.domain.families import ApiFamily
from trt.kie.families import market, suno, veo
from trt.kie.records import TaskRecord

BodyBuilder = Callable[[str, Mapping[str, object], str | None], dict[str, object]]
RecordParser = Callable[[object, str], TaskRecord]


@dataclass(frozen=True, slots=True)
class FamilyAdapter:
    create_path: str
    record_path: str
    build_create_body: BodyBuilder
    parse_record: RecordParser


def adapter_for(family: ApiFamily) -> FamilyAdapter:
    match family:
        case ApiFamily.MARKET:
            return FamilyAdapter(
                market.CREATE_PATH,
                market.RECORD_PATH,
                market.build_create_body,
                market.parse_record,
            )
        case ApiFamily.VEO:
            return FamilyAdapter(
                veo.CREATE_PATH, veo.RECORD_PATH, veo.build_create_body, veo.parse_record
            )
        case ApiFamily.SUNO:
            return FamilyAdapter(
                suno.CREATE_PATH, suno.RECORD_PATH, suno.build_create_body, suno.parse_record
            )
