"""The whole MLOps flow on one machine, against an embedded AWS emulator (moto_server extended: products/local_aws).

``run_demo`` walks a scenario's steps (scenarios.py) against a fresh local AWS, each step numbered and timed; a
failure names the step. The default scenario, ``endpoints``, does only what people do (project_steps.py): publish,
create a project on each route, push, approve the model, approve the prod gate, delete the projects; the local AWS's
CloudFormation, EventBridge, CodePipeline, CodeBuild and SageMaker do the rest. The other scenarios still play the
pipelines' parts from the resolved template (steps.py), their stand-ins named where they act.
"""

import json
import os
import secrets
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import boto3

from products import PRODUCTS
from products.analysis.resolve import resolve
from products.catalog.config import DEFAULT_CONFIG, load_config
from products.demo.context import DEMO_CREDENTIALS, REGION, Demo, DemoFailed, DemoResult
from products.demo.scenarios import SCENARIOS, Step
from products.demo.steps import ACCOUNT_PARAMETERS, scenario_config
from products.local_aws.codebuild import BuildspecError
from products.local_aws.emulator import moto_server
from products.publishing.aws import PublishError
from products.render.synth import SEEDCODE_DIR, RenderedCatalog, synthesize

CLIENTS = ("s3", "sagemaker", "events", "sqs", "cloudformation", "sts", "codepipeline", "codecommit", "servicecatalog",
           "codebuild", "lambda", "scheduler", "cloudwatch", "logs", "iam")



def run_demo(seedcode_dir: Path = SEEDCODE_DIR, template_mutator=None, project_name: str = "abalone", say=print,
             roles_mutator=None, scenario: str = "endpoints") -> DemoResult:
    """Run the scenario's steps against a fresh local AWS; raise DemoFailed naming the step that broke.
    The mutators are the tests' way to publish a changed roles stack or resolve a changed product template."""
    chosen = SCENARIOS[scenario]
    result = DemoResult(project_name, "p-" + secrets.token_hex(6))
    config = scenario_config(load_config(DEFAULT_CONFIG, PRODUCTS), scenario)
    catalog = _with_roles(synthesize(config, seedcode_dir=seedcode_dir), roles_mutator)
    template = json.loads(catalog.product_templates[chosen.product].data)
    if template_mutator:
        template = template_mutator(template)
        catalog = _with_template(catalog, chosen.product, template)
    resources = resolve(template, {"SageMakerProjectName": project_name, "SageMakerProjectId": result.project_id,
                                   **ACCOUNT_PARAMETERS.get(scenario, {})}).resources()
    saved_env = {key: os.environ.get(key) for key in (*DEMO_CREDENTIALS, "AWS_ENDPOINT_URL", "AWS_PROFILE", "EMULATOR_IAM_LOG")}
    with tempfile.TemporaryDirectory(prefix="catalog-demo-") as work, moto_server(
            env={"EMULATOR_IAM_LOG": str(Path(work) / "iam-checks.jsonl")},
            log=Path(work) / "emulator.log") as endpoint:
        os.environ.update(DEMO_CREDENTIALS, AWS_ENDPOINT_URL=endpoint)
        os.environ.pop("AWS_PROFILE", None)
        demo = Demo(scenario, chosen.product, catalog, template, resources, Path(work), endpoint, result, say,
                    clients={name: boto3.client(name, region_name=REGION) for name in CLIENTS}, found={"config": config})
        say(f"local demo: scenario {scenario} ({chosen.product}), project {project_name}, AWS emulator at {endpoint}")
        try:
            for number, step in enumerate(chosen.steps, start=1):
                run_step(demo, number, len(chosen.steps), step)
        finally:
            _restore(saved_env)
    return result


def _with_roles(catalog: RenderedCatalog, roles_mutator) -> RenderedCatalog:
    """The catalog with the roles stack a test changed (or as rendered)."""
    if roles_mutator is None:
        return catalog
    roles = roles_mutator(json.loads(catalog.roles.data))
    return replace(catalog, roles=replace(catalog.roles, data=json.dumps(roles, indent=2).encode()))


def _with_template(catalog: RenderedCatalog, product: str, template: dict) -> RenderedCatalog:
    """The catalog publishing a test's changed product template, on both routes (same keys)."""
    from products.render.synth import studio_template

    changed = replace(catalog.product_templates[product], data=json.dumps(template, indent=2).encode())
    studio = replace(catalog.studio_templates[product], data=studio_template(changed).data)
    return replace(catalog, product_templates={**catalog.product_templates, product: changed},
                   studio_templates={**catalog.studio_templates, product: studio})


def run_step(demo: Demo, number: int, total: int, step: Step) -> None:
    """One numbered step with its duration; whatever breaks, DemoFailed names the step."""
    demo.say(f"\n[{number}/{total}] {step.title}")
    started = time.perf_counter()
    try:
        step.action(demo)
    except DemoFailed:
        raise
    except (BuildspecError, PublishError, RuntimeError, KeyError, ValueError) as error:
        raise DemoFailed(number, step.title, str(error)) from error
    except Exception as error:  # the demo names the failing step whatever broke
        raise DemoFailed(number, step.title, f"{type(error).__name__}: {error}") from error
    demo.result.durations[step.title] = time.perf_counter() - started
    demo.say(f"      done in {demo.result.durations[step.title]:.2f}s")


def _restore(saved_env: dict) -> None:
    for key, value in saved_env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def main(say=print, scenario: str = "endpoints") -> int:
    started = time.perf_counter()
    try:
        result = run_demo(say=say, scenario=scenario)
    except DemoFailed as failure:
        say(f"\ndemo failed at step {failure.step} ({failure.title}): {failure.reason}")
        return 1
    say(f"\ndemo finished in {time.perf_counter() - started:.1f}s; model test MSE {result.mse:.4f}")
    for title, seconds in result.durations.items():
        say(f"  {seconds:6.2f}s  {title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
