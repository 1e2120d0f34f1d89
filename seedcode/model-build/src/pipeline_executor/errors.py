"""The executor's errors: each message names the step and what it could not do."""


class DefinitionError(ValueError):
    """The pipeline definition uses something the executor cannot run (or that is invalid)."""


class StepFailed(RuntimeError):
    """A step ran and failed (its program exited non-zero, an AWS call failed, a Fail step)."""
