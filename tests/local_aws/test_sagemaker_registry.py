"""The local AWS's model registry deletions (moto lacks them): a group goes only once its packages have, and a role
needs the permission on the package or group, as in AWS."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from products.local_aws.emulator import moto_server

GROUP = "abalone-p-1234"


def _package(sagemaker) -> str:
    return sagemaker.create_model_package(
        ModelPackageGroupName=GROUP, ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={"Containers": [{"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
    )["ModelPackageArn"]


@pytest.fixture
def harness():
    with moto_server() as endpoint:
        yield dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="admin",
                   aws_secret_access_key="admin")


def test_a_group_is_deleted_after_its_packages_and_refused_before(harness):
    sagemaker = boto3.client("sagemaker", **harness)
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    arn = _package(sagemaker)
    with pytest.raises(ClientError) as refused:
        sagemaker.delete_model_package_group(ModelPackageGroupName=GROUP)
    assert refused.value.response["Error"]["Code"] == "ConflictException"
    sagemaker.delete_model_package(ModelPackageName=arn)
    assert sagemaker.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"] == []
    sagemaker.delete_model_package_group(ModelPackageGroupName=GROUP)
    assert sagemaker.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    with pytest.raises(ClientError) as missing:
        sagemaker.delete_model_package_group(ModelPackageGroupName=GROUP)
    assert missing.value.response["Error"]["Code"] == "ValidationException"


def test_a_role_may_delete_only_what_its_policy_allows(harness):
    iam, sagemaker = boto3.client("iam", **harness), boto3.client("sagemaker", **harness)
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    arn = _package(sagemaker)
    iam.create_role(RoleName="reviewer", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName="reviewer", PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sagemaker:DeleteModelPackage", "Resource": f"arn:aws:sagemaker:us-east-1:123456789012:model-package/{GROUP}/*"}]}))
    credentials = boto3.client("sts", **harness).assume_role(
        RoleArn="arn:aws:iam::123456789012:role/reviewer", RoleSessionName="reviewer")["Credentials"]
    as_reviewer = boto3.client("sagemaker", endpoint_url=harness["endpoint_url"], region_name="us-east-1",
                               aws_access_key_id=credentials["AccessKeyId"],
                               aws_secret_access_key=credentials["SecretAccessKey"],
                               aws_session_token=credentials["SessionToken"])
    as_reviewer.delete_model_package(ModelPackageName=arn)
    with pytest.raises(ClientError) as denied:
        as_reviewer.delete_model_package_group(ModelPackageGroupName=GROUP)
    assert "not authorized to perform: sagemaker:DeleteModelPackageGroup" in str(denied.value)
