"""A CodeBuild stand-in that runs builds on this machine, for the seed check-in tests.

``LocalCodeBuild`` answers the calls the seed check-in function makes, running the
project's inlined buildspec with the buildspec runner. Every call is first validated
against botocore's model of the real CodeBuild API, so a malformed request fails here
as it would in AWS. ``aws s3 cp`` is a stand-in on PATH serving files from a folder.
"""

import itertools
from pathlib import Path

import botocore.session
from botocore.validate import validate_parameters

from products.local_aws.codebuild import BuildspecError, run_buildspec

FAKE_AWS = """#!/usr/bin/env python3
import os, shutil, sys
args = [a for a in sys.argv[1:] if a != "--only-show-errors"]
if args[:2] != ["s3", "cp"] or not args[2].startswith("s3://"):
    sys.exit(f"fake aws: unexpected call {sys.argv[1:]}")
bucket, key = args[2][len("s3://"):].split("/", 1)
shutil.copy(os.path.join(os.environ["FAKE_S3_ROOT"], bucket, key), args[3])
"""


def fake_aws_bin(folder: Path) -> Path:
    """A folder holding the ``aws`` stand-in, to put first on PATH."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "aws").write_text(FAKE_AWS)
    (folder / "aws").chmod(0o755)
    return folder


class LocalCodeBuild:
    """Runs builds of the given projects (resolved properties by name) synchronously."""

    def __init__(self, projects: dict[str, dict], buildspec: Path, work: Path, env: dict[str, str], path_prepend):
        self.projects, self.buildspec, self.work = projects, buildspec, work
        self.env, self.path_prepend = env, path_prepend
        self.model = botocore.session.get_session().get_service_model("codebuild")
        self.builds: dict[str, dict] = {}
        self.logs: dict[str, str] = {}
        self._numbers = itertools.count(1)

    def _validate(self, operation: str, params: dict) -> None:
        validate_parameters(params, self.model.operation_model(operation).input_shape)

    def start_build(self, **params):
        self._validate("StartBuild", params)
        project = self.projects[params["projectName"]]
        overrides = {v["name"]: v["value"] for v in params.get("environmentVariablesOverride", [])}
        build_id = f"{params['projectName']}:{next(self._numbers)}"
        directory = self.work / build_id.replace(":", "-")
        directory.mkdir(parents=True)
        lines = []
        try:
            run = run_buildspec(
                self.buildspec, directory, project, "us-east-1",
                extra_env=self.env, overrides=overrides, path_prepend=self.path_prepend, say=lines.append,
            )
            build = {"id": build_id, "buildStatus": "SUCCEEDED", "exportedEnvironmentVariables": [
                {"name": name, "value": value} for name, value in run.variables.items()
            ]}
        except BuildspecError as error:
            build = {"id": build_id, "buildStatus": "FAILED", "phases": [
                {"phaseType": "BUILD", "phaseStatus": "FAILED", "contexts": [{"message": str(error)}]}
            ]}
        self.builds[build_id], self.logs[build_id] = build, "\n".join(lines)
        return {"build": build}

    def batch_get_builds(self, **params):
        self._validate("BatchGetBuilds", params)
        return {"builds": [self.builds[build_id] for build_id in params["ids"]]}

    def stop_build(self, **params):
        self._validate("StopBuild", params)
        raise AssertionError("a local build finishes before the function could stop it")
