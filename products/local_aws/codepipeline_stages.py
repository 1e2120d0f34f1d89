"""Who may run a pipeline's stage: CodePipeline's execution modes, in the local AWS.

- SUPERSEDED (V2's default, and the catalog's): one execution in a stage at a time. An execution waiting to enter a
  stage gives way to a newer one that comes to wait for the same stage, and ends ``Superseded``.
- QUEUED: one execution in a stage at a time, in the order they came; none is superseded.
- PARALLEL: executions do not wait for each other.

(CodePipeline User Guide, "Set or change the pipeline execution mode".) An execution leaves a stage when the stage
has ended for it; one waiting at a manual approval keeps its stage. Stopping (the pipeline deleted) ends a wait.
"""

import threading

_CONDITION = threading.Condition()


class Superseded(Exception):
    """A newer execution came to wait for the stage this one was waiting for."""


class StageLocks:
    """One pipeline's stages: who is in each, who waits for it."""

    def __init__(self, mode: str):
        self.mode = mode
        self.owner: dict[str, str] = {}  # stage -> the execution in it
        self.waiting: dict[str, list] = {}  # stage -> [(arrival order, execution id)]
        self.superseded: set[str] = set()

    def enter(self, stage: str, execution_id: str, order, stopped) -> bool:
        """Wait until ``execution_id`` may run ``stage``; False if it was stopped meanwhile. Superseded if a newer
        execution came to wait for the stage first (SUPERSEDED mode)."""
        if self.mode == "PARALLEL":
            return True
        with _CONDITION:
            queue = self.waiting.setdefault(stage, [])
            if self.mode == "SUPERSEDED":
                self.superseded |= {waiting_id for arrival, waiting_id in queue if arrival < order}
                _CONDITION.notify_all()
            queue.append((order, execution_id))
            try:
                while True:
                    if execution_id in self.superseded:
                        raise Superseded(f"a newer execution came to stage {stage}")
                    if stopped():
                        return False
                    first = min(queue)[1] if self.mode == "QUEUED" else execution_id
                    if self.owner.get(stage) is None and first == execution_id:
                        self.owner[stage] = execution_id
                        return True
                    _CONDITION.wait(timeout=1.0)  # a stop is seen within a second even without a notify
            finally:
                queue.remove((order, execution_id))

    def leave(self, stage: str, execution_id: str) -> None:
        if self.mode == "PARALLEL":
            return
        with _CONDITION:
            if self.owner.get(stage) == execution_id:
                self.owner[stage] = None
            _CONDITION.notify_all()


def wake_all() -> None:
    """Every waiting execution looks again (one was stopped)."""
    with _CONDITION:
        _CONDITION.notify_all()
