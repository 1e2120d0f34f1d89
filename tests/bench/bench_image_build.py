"""The image-build products in figures: resources per template, and the static check of the image build.

For each image-build template (as synth renders it, resolved for a sample project as CloudFormation would): its
resources by type. Then the image build's buildspec read statically (products/analysis/buildspec_calls.py): how many
calls it makes, how many the role and its boundary allow, and how long reading and checking them takes.

    python tests/bench/bench_image_build.py
"""

import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import json  # noqa: E402

import yaml  # noqa: E402

from products.analysis.buildspec_calls import buildspec_calls  # noqa: E402
from products.analysis.iam_evaluator import evaluate  # noqa: E402
from products.analysis.resolve import Environment, resolve  # noqa: E402
from products.catalog.config import DEFAULT_CONFIG, load_config  # noqa: E402
from products.render.synth import synthesize  # noqa: E402
from tests.conftest import sample_parameters, seed_script  # noqa: E402
from products import PRODUCTS  # noqa: E402


def _variables(resources: dict) -> dict:
    project = resources["ImageBuildProject"]["Properties"]
    variables = {v["Name"]: v["Value"] for v in project["Environment"]["EnvironmentVariables"]}
    commit = "0" * 40
    version = f"arn:aws:sagemaker:{Environment.region}:{Environment.account}:image-version/image/1"
    return {**variables, "AWS_REGION": Environment.region, "CODEBUILD_RESOLVED_SOURCE_VERSION": commit,
            "CODEBUILD_BUILD_NUMBER": "1", "IMAGE_TAG": f"{commit}-1", "VERSION_ARN": version,
            "BASE_IMAGE": seed_script("image-build", "base_image.py").base_image(Environment.region)}


def main() -> None:
    rendered = {a.path: json.loads(a.data) for a in synthesize(load_config(DEFAULT_CONFIG, PRODUCTS))
                if a.path.endswith(".json")}
    boundary = resolve(rendered["roles.json"], {}).resources()["ImageBuildBoundary"]["Properties"]["PolicyDocument"]
    spec = yaml.safe_load((REPO / "buildspecs" / "image-build.yml").read_text())
    for name in ("image-build", "image-build-git"):
        template = rendered[f"templates/{name}.json"]
        resources = resolve(template, sample_parameters(template)).resources()
        kinds = Counter(r["Type"] for r in resources.values())
        print(f"{name}: {len(resources)} resources: " + ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())))
        started = time.perf_counter()
        calls = buildspec_calls(spec, _variables(resources), Environment.region, Environment.account,
                                silent={f"python3 base_image.py {Environment.region}"})
        own = [p["PolicyDocument"] for p in resources["ImageBuildRole"]["Properties"]["Policies"]]
        allowed = sum(all(evaluate(p, c.authorization.action, c.authorization.resource, c.authorization.context).allowed
                          for p in (own, [boundary])) for c in calls)
        elapsed = time.perf_counter() - started
        print(f"  buildspec: {len(calls)} calls ({len({c.authorization.action for c in calls})} actions), "
              f"{allowed} allowed by role and boundary, read and checked in {elapsed * 1000:.0f} ms")


if __name__ == "__main__":
    main()
