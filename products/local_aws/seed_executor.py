"""The model-build seed repo's pipeline executor, imported from where it ships.

The executor lives in seedcode/model-build/src/pipeline_executor because a data
scientist's repo is only the unpacked seed zip and must run its pipeline on its own. The
catalog's emulator and buildspec environments use that same code, imported from there
(one implementation, two users), rather than a copy that could drift.
"""

import importlib
import sys
from pathlib import Path

EXECUTOR_SOURCE = Path(__file__).resolve().parents[2] / "seedcode" / "model-build" / "src"


def seed_module(dotted: str):
    """A module of the model-build seed repo's source (only those that need nothing but the standard library and boto3)."""
    if str(EXECUTOR_SOURCE) not in sys.path:
        sys.path.append(str(EXECUTOR_SOURCE))
    return importlib.import_module(dotted)


def executor_module(name: str = ""):
    """``pipeline_executor`` (or one of its modules, e.g. ``"environments"``)."""
    return seed_module("pipeline_executor" + (f".{name}" if name else ""))
