"""KIE.ai: the HTTP client, normalised task records, callback parsing and signatures."""

from trt.httpclient import RetryPolicy
from trt.kie.callbacks import (
    CallbackWakeup,
    callback_url,
    parse_callback,
    sign_job,
    verify_job_signature,
    verify_kie_signature,
)
from trt.kie.client import KieClient
from trt.kie.errors import (
    KieAuthError,
    KieError,
    KieInsufficientCredits,
    KieInvalidRequest,
    KiePermanentError,
    KieRateLimited,
    KieTaskNotFound,
    KieTransientError,
    classify,
)
from trt.kie.records import MediaKind, ResultFile, TaskRecord, TaskState

__all__ = [
    "CallbackWakeup",
    "KieAuthError",
    "KieClient",
    "KieError",
    "KieInsufficientCredits",
    "KieInvalidRequest",
    "KiePermanentError",
    "KieRateLimited",
    "KieTaskNotFound",
    "KieTransientError",
    "MediaKind",
    "ResultFile",
    "RetryPolicy",
    "TaskRecord",
    "TaskState",
    "callback_url",
    "classify",
    "parse_callback",
    "sign_job",
    "verify_job_signature",
    "verify_kie_signature",
]
