"""An offline KIE.ai: the documented HTTP API, callbacks, uploads and result files.

Written from the public API reference alone; it imports nothing else from `trt`, so a
misreading of the docs in the bot's client cannot hide in a shared parser.
"""

from trt.sandbox.kie.callbacks import DeliveryPolicy, sign
from trt.sandbox.kie.lifecycle import TaskNotRunningError
from trt.sandbox.kie.media import MediaKind
from trt.sandbox.kie.scenario import Behaviour, CallbackMode, Fault, Outcome, Scenario
from trt.sandbox.kie.server import KieSimulator
from trt.sandbox.kie.stats import CallbackAttempt, CallbackStats, SimStats, TaskInfo

__all__ = [
    "Behaviour",
    "CallbackAttempt",
    "CallbackMode",
    "CallbackStats",
    "DeliveryPolicy",
    "Fault",
    "KieSimulator",
    "MediaKind",
    "Outcome",
    "Scenario",
    "SimStats",
    "TaskInfo",
    "TaskNotRunningError",
    "sign",
]
