"""`successFlag`, the state field of Veo and the older image families (Flux Kontext, 4o Image;
REFERENCE §4): 0 generating, 1 success, 2 create-task failed, 3 generate failed.
4o Image documents only 1 = success; assumption: they use Veo's other values."""

from typing import Final

from trt.kie.payload import as_int
from trt.kie.records import TaskState

_FLAGS: Final[dict[int, TaskState]] = {
    0: TaskState.RUNNING,
    1: TaskState.SUCCEEDED,
    2: TaskState.FAILED,
    3: TaskState.FAILED,
}


def flag_state(value: object) -> tuple[TaskState, str]:
    """The state a `successFlag` names, and the flag as text; none yet means not started.
    An unknown flag is read as still running: the job's deadline ends the wait."""
    flag = as_int(value)
    if flag is None:
        return TaskState.PENDING, ""
    return _FLAGS.get(flag, TaskState.RUNNING), str(flag)
