"""KIE API families: each has its own create endpoint, record endpoint and callback shape."""

from enum import StrEnum


class ApiFamily(StrEnum):
    MARKET = "market"  # POST /api/v1/jobs/createTask, GET /api/v1/jobs/recordInfo
    VEO = "veo"  # POST /api/v1/veo/generate, GET /api/v1/veo/record-info
    SUNO = "suno"  # POST /api/v1/generate, GET /api/v1/generate/record-info
    FLUX_KONTEXT = "flux_kontext"  # POST /api/v1/flux/kontext/generate, GET …/record-info
    GPT4O_IMAGE = "gpt4o_image"  # POST /api/v1/gpt4o-image/generate, GET …/record-info
    RUNWAY = "runway"  # POST /api/v1/runway/generate, GET /api/v1/runway/record-detail
