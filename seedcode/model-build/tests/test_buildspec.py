"""The CodeBuild buildspec's run-pipeline command parses, JSON quoting included.

The buildspec lives in the catalog's buildspecs/ folder and is placed in this repo as
codebuild-buildspec.yml when the catalog is published.
"""

import json
import re
import shlex
from pathlib import Path

import yaml

from abalone_pipeline import cli

REPO = Path(__file__).resolve().parent.parent
CANDIDATES = [REPO / "codebuild-buildspec.yml", REPO.parent.parent / "buildspecs" / "model-build.yml"]
ENVIRONMENT = {
    "AWS_REGION": "us-east-1",
    "SAGEMAKER_PROJECT_NAME": "abalone",
    "SAGEMAKER_PROJECT_ID": "p-abc123def456",
    "ARTIFACT_BUCKET": "sagemaker-project-p-abc123def456",
    "SAGEMAKER_PIPELINE_NAME": "sagemaker-abalone-p-abc123def456",
    "SAGEMAKER_PIPELINE_ROLE_ARN": "arn:aws:iam::123456789012:role/service-role/AmazonSageMakerServiceCatalogProductsUseRole",
    "MODEL_PACKAGE_GROUP_NAME": "abalone-p-abc123def456",
    "MODEL_EXECUTION_ROLE_ARN": "arn:aws:iam::123456789012:role/service-role/AmazonSageMakerServiceCatalogProductsExecutionRole",
}


def test_run_pipeline_command_parses_with_project_values():
    path = next(p for p in CANDIDATES if p.is_file())
    spec = yaml.safe_load(path.read_text())
    (command,) = [c for c in spec["phases"]["build"]["commands"] if c.lstrip().startswith("run-pipeline")]
    expanded = re.sub(r"\$(\w+)", lambda m: ENVIRONMENT[m.group(1)], command.replace("\\\n", " "))
    words = shlex.split(expanded)
    args = cli.run_pipeline_parser().parse_args(words[1:])
    assert args.wait and args.role_arn == ENVIRONMENT["SAGEMAKER_PIPELINE_ROLE_ARN"]
    kwargs = cli.parse_kwargs(args.kwargs, cli.REQUIRED_FOR_CLOUD)
    assert kwargs["pipeline_name"] == ENVIRONMENT["SAGEMAKER_PIPELINE_NAME"]
    assert kwargs["role"] == ENVIRONMENT["MODEL_EXECUTION_ROLE_ARN"]
    assert {t["Key"] for t in cli.parse_tags(args.tags)} == {"sagemaker:project-name", "sagemaker:project-id"}
    assert "-c constraints.txt" in " ".join(spec["phases"]["install"]["commands"])
    json.dumps(kwargs)
