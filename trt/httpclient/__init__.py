"""What our outbound HTTP clients (KIE, YooKassa) share: session ownership, bounded retries with
full-jitter backoff, capped answer reads."""

from trt.httpclient.body import read_capped
from trt.httpclient.retry import Retrying, RetryPolicy, with_retries
from trt.httpclient.session import OwnedSession

__all__ = ["OwnedSession", "RetryPolicy", "Retrying", "read_capped", "with_retries"]
