"""Fail steps (Condition steps are decided by the executor)."""

from pipeline_executor.errors import StepFailed


def run_fail(step: dict, arguments: dict, context):
    raise StepFailed(str(arguments.get("ErrorMessage", "")))
