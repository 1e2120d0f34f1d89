"""Write the staging and prod stack configurations for the latest approved model.

The deploy pipeline runs this on every approval (or push to this repo). It finds the
newest Approved package in the project's model package group and writes one
CloudFormation template-configuration file per stage, from the team's
staging-config.json and prod-config.json.

Usage (CodeBuild passes these from its environment, see buildspec.yml):
    python build.py --model-package-group-name GROUP --model-execution-role ROLE_ARN \
        --sagemaker-project-name NAME --sagemaker-project-id ID --s3-bucket BUCKET \
        --export-staging-config staging-config-export.json --export-prod-config prod-config-export.json
"""

import argparse
import json
import sys
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from endpoint_types import ASYNC_FOLDER, REALTIME, check_stage_parameters, summary

PROJECT_NAME_TAG, PROJECT_ID_TAG, STAGE_TAG = "sagemaker:project-name", "sagemaker:project-id", "sagemaker:deployment-stage"


class BuildError(Exception):
    """Something the user must fix; the message is the one line to show."""


def read_stage_config(path: Path, stage: str) -> dict:
    """A stage file's Parameters and Tags, checked field by field (endpoint_types.py says what each type takes)."""
    try:
        config = json.loads(path.read_text())
    except FileNotFoundError:
        raise BuildError(f"{path}: file not found") from None
    except json.JSONDecodeError as error:
        raise BuildError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(config, dict) or set(config) - {"Parameters", "Tags"}:
        raise BuildError(f"{path}: expected an object with the keys Parameters and Tags")
    parameters, tags = config.get("Parameters", {}), config.get("Tags", {})
    if not isinstance(parameters, dict):
        raise BuildError(f"{path}: Parameters: expected an object")
    problem = check_stage_parameters(parameters)
    if problem:
        name, what = problem
        raise BuildError(f"{path} ({stage} stage): Parameters.{name}: {what}")
    if not isinstance(tags, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise BuildError(f"{path}: Tags: expected an object of string keys and values")
    for key in tags:
        if key.lower().startswith("aws:") or not 1 <= len(key) <= 128:
            raise BuildError(f"{path}: Tags.{key}: expected a key of 1-128 characters not starting with aws:")
    return {"Parameters": parameters, "Tags": tags}


def latest_approved_package(sagemaker, group: str) -> str:
    """ARN of the newest Approved package of ``group``.

    SageMaker filters and sorts: we read pages only until the first match, so the
    number of calls does not grow with the size of the group.
    """
    pages = sagemaker.get_paginator("list_model_packages").paginate(
        ModelPackageGroupName=group,
        ModelApprovalStatus="Approved",
        SortBy="CreationTime",
        SortOrder="Descending",
    )
    for page in pages:
        for package in page["ModelPackageSummaryList"]:
            return package["ModelPackageArn"]
    raise BuildError(
        f"model package group {group} has no Approved package; approve one in SageMaker Studio "
        "(Models > Model registry) or with `aws sagemaker update-model-package`"
    )


def project_tags(sagemaker, group: str) -> dict:
    """The group's tags (SageMaker tags project resources with the project's tags)."""
    try:
        group_arn = sagemaker.describe_model_package_group(ModelPackageGroupName=group)["ModelPackageGroupArn"]
    except ClientError as error:
        if error.response["Error"]["Code"] in ("ValidationException", "ResourceNotFound"):
            raise BuildError(f"model package group {group} does not exist in this account and region") from None
        raise
    tags = sagemaker.list_tags(ResourceArn=group_arn).get("Tags", [])
    return {tag["Key"]: tag["Value"] for tag in tags if not tag["Key"].lower().startswith("aws:")}


def stage_configuration(stage: str, stage_config: dict, package_arn: str, args, group_tags: dict) -> dict:
    """The template-configuration file CloudFormation reads for one stage's stack."""
    parameters = {
        "SageMakerProjectName": args.sagemaker_project_name,
        "ModelPackageName": package_arn,
        # A stage in an account of its own runs its model as that account's execution role.
        "ModelExecutionRoleArn": getattr(args, f"{stage}_execution_role", None) or args.model_execution_role,
        "StageName": stage,
        "DataCaptureUploadPath": f"s3://{args.s3_bucket}/datacapture/{stage}",
        "AsyncInferencePath": f"s3://{args.s3_bucket}/{ASYNC_FOLDER}/{stage}",
        "EndpointType": REALTIME,  # a file without EndpointType keeps the stage as it always was
        **stage_config["Parameters"],
    }
    tags = {
        **group_tags,
        **stage_config["Tags"],
        PROJECT_NAME_TAG: args.sagemaker_project_name,
        PROJECT_ID_TAG: args.sagemaker_project_id,
        STAGE_TAG: stage,
    }
    # CloudFormation wants every parameter value as a string.
    as_text = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in parameters.items()}
    return {"Parameters": as_text, "Tags": tags}


REQUIRED_FOR_A_BUILD = ("model_package_group_name", "model_execution_role", "sagemaker_project_name",
                        "sagemaker_project_id", "s3_bucket")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="With --check, only the stage configuration files are checked: no AWS, no other option needed. "
               "Exit codes: 0 success, 1 a configuration or AWS error, 2 bad command line.",
    )
    parser.add_argument("--check", action="store_true", help="only check the stage configuration files (offline)")
    parser.add_argument("--model-package-group-name")
    parser.add_argument("--model-execution-role", help="ARN of the role the hosted model runs as")
    for stage in ("staging", "prod"):
        parser.add_argument(f"--{stage}-execution-role", default="",
                            help=f"the {stage} model's role when {stage} is in another account (empty: --model-execution-role)")
    parser.add_argument("--sagemaker-project-name")
    parser.add_argument("--sagemaker-project-id")
    parser.add_argument("--s3-bucket", help="project artifact bucket (data capture goes there)")
    parser.add_argument("--import-staging-config", type=Path, default=Path("staging-config.json"))
    parser.add_argument("--import-prod-config", type=Path, default=Path("prod-config.json"))
    parser.add_argument("--export-staging-config", type=Path, default=Path("staging-config-export.json"))
    parser.add_argument("--export-prod-config", type=Path, default=Path("prod-config-export.json"))
    args = parser.parse_args(argv)
    missing = [name for name in REQUIRED_FOR_A_BUILD if not args.check and getattr(args, name) is None]
    if missing:
        parser.error(f"the following arguments are required (or use --check): "
                     f"{', '.join('--' + name.replace('_', '-') for name in missing)}")
    return args


def main(argv=None, sagemaker=None) -> int:
    args = parse_args(argv)
    try:
        stages = {
            "staging": (read_stage_config(args.import_staging_config, "staging"), args.export_staging_config),
            "prod": (read_stage_config(args.import_prod_config, "prod"), args.export_prod_config),
        }
        if args.check:
            print(f"{args.import_staging_config} and {args.import_prod_config}: valid")
            return 0
        sagemaker = sagemaker or boto3.client("sagemaker")  # only now: checking the files needs no AWS
        group_tags = project_tags(sagemaker, args.model_package_group_name)
        package_arn = latest_approved_package(sagemaker, args.model_package_group_name)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as error:
        print(f"error: AWS: {error} (CodeBuild provides the region and credentials; on your machine set "
              "AWS_REGION and your credentials, or use --check to check the configuration files offline)",
              file=sys.stderr)
        return 1
    print(f"latest approved model package: {package_arn}")
    for stage, (stage_config, export_path) in stages.items():
        configuration = stage_configuration(stage, stage_config, package_arn, args, group_tags)
        export_path.write_text(json.dumps(configuration, indent=2, sort_keys=True) + "\n")
        print(f"wrote {export_path} ({stage}: {summary(stage_config['Parameters'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
