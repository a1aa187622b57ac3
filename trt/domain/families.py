"""KIE API families: each has its own create endpoint, record endpoint and callback shape."""

from enum import StrEnum


class ApiFamily(StrEnum):
    MARKET = "market"  # POST /api/v1/jobs/createTask, GET /api/v1/jobs/recordInfo
    VEO = "veo"  # POST /api/v1/veo/generate, GET /api/v1/veo/record-info
    SUNO = "suno"  # POST /api/v1/generate, GET /api/v1/generate/record-info
