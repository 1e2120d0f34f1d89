"""The "Your project" section of each seed repo's README, generated at synth.

A data scientist's repo is the unpacked seed zip: it cannot look names up in the catalog.
So synth writes into the README, between the markers below, the names CloudFormation gives
the project's resources (from the product template, resolved for a sample project) with
``<project-name>``, ``<project-id>``, ``<account>`` and ``<region>`` where only the project
knows the value, and the command CodeBuild runs with those names filled in.
"""

import json
import re

from products.analysis.resolve import Environment, resolve

START, END = "<!-- your-project:start -->", "<!-- your-project:end -->"
_SAMPLE = {"SageMakerProjectName": "yourprojectname", "SageMakerProjectId": "p-0yourproject0"}
_PLACEHOLDERS = {"yourprojectname": "<project-name>", "p-0yourproject0": "<project-id>",
                 Environment.account: "<account>", Environment.region: "<region>"}


def _placeholders(text: str) -> str:
    for sample, placeholder in _PLACEHOLDERS.items():
        text = text.replace(sample, placeholder)
    return text


def _names(template: dict) -> dict:
    """Resource properties and build variables of a sample project, with placeholders."""
    resources = resolve(template, _SAMPLE).resources()
    props = {logical_id: resource["Properties"] for logical_id, resource in resources.items()}
    return json.loads(_placeholders(json.dumps(props)))


def _variables(project: dict) -> dict:
    return {v["Name"]: v["Value"] for v in project["Environment"]["EnvironmentVariables"]}


def model_build_section(template: dict) -> str:
    props = _names(template)
    env = _variables(props["ModelBuildProject"])
    rows = [
        ("model package group (models are registered here)", env["MODEL_PACKAGE_GROUP_NAME"]),
        ("artifact bucket (`default_bucket`)", env["ARTIFACT_BUCKET"]),
        ("SageMaker pipeline", env["SAGEMAKER_PIPELINE_NAME"]),
        ("pipeline role (`--role-arn`)", env["SAGEMAKER_PIPELINE_ROLE_ARN"]),
        ("execution role of the jobs and the model (`role`)", env["MODEL_EXECUTION_ROLE_ARN"]),
        ("CodeBuild project running `codebuild-buildspec.yml`", props["ModelBuildProject"]["Name"]),
        ("CodePipeline pipeline started by a push", props["ModelBuildPipeline"]["Name"]),
    ]
    kwargs = {"region": "<region>", "role": env["MODEL_EXECUTION_ROLE_ARN"], "default_bucket": env["ARTIFACT_BUCKET"],
              "pipeline_name": env["SAGEMAKER_PIPELINE_NAME"], "model_package_group_name": env["MODEL_PACKAGE_GROUP_NAME"],
              "base_job_prefix": "<project-name>-<project-id>"}
    command = (f"run-pipeline --role-arn {env['SAGEMAKER_PIPELINE_ROLE_ARN']} \\\n"
               f"  --kwargs '{json.dumps(kwargs)}' --wait")
    return _section(rows, "What CodeBuild runs on every push, with these names:", command)


def model_deploy_section(template: dict) -> str:
    props = _names(template)
    env = _variables(props["ModelDeployProject"])
    stages = {a["Configuration"]["StackName"] for s in props["ModelDeployPipeline"]["Stages"] for a in s["Actions"]
              if "StackName" in a.get("Configuration", {})}
    rows = [
        ("model package group (the approved package is deployed)", env["MODEL_PACKAGE_GROUP_NAME"]),
        ("artifact bucket (data capture under `datacapture/<stage>`)", env["ARTIFACT_BUCKET"]),
        ("endpoint stacks", ", ".join(sorted(stages))),
        ("endpoints", "<project-name>-staging, <project-name>-prod"),
        ("execution role of the endpoints", env["MODEL_EXECUTION_ROLE_ARN"]),
        ("CodeBuild projects", f"{props['ModelDeployProject']['Name']}, {props['StagingTestProject']['Name']}"),
        ("CodePipeline pipeline (started by an approval or a push)", props["ModelDeployPipeline"]["Name"]),
    ]
    command = (f"python build.py --model-package-group-name {env['MODEL_PACKAGE_GROUP_NAME']} \\\n"
               f"  --model-execution-role {env['MODEL_EXECUTION_ROLE_ARN']} \\\n"
               f"  --sagemaker-project-name <project-name> --sagemaker-project-id <project-id> \\\n"
               f"  --s3-bucket {env['ARTIFACT_BUCKET']}")
    return _section(rows, "What CodeBuild runs on every approval or push, with these names:", command)


def _section(rows, lead: str, command: str) -> str:
    table = "\n".join(["| what | name |", "| --- | --- |", *(f"| {what} | `{name}` |" for what, name in rows)])
    return (f"{START}\n## Your project\n\nNames as CloudFormation gives them to your project (`<project-name>` and "
            f"`<project-id>` are your SageMaker project's; Studio shows both):\n\n{table}\n\n{lead}\n\n"
            f"```sh\n{command}\n```\n{END}")


def with_section(readme: str, section: str, where: str) -> str:
    """``readme`` with the text between the markers replaced; ValueError if it has no markers."""
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        raise ValueError(f"{where}: no {START} ... {END} section to fill")
    return pattern.sub(lambda _match: section, readme, count=1)


SECTIONS = {"model-build": model_build_section, "model-deploy": model_deploy_section}
