"""The emulator's IAM: credentials of a role that does not exist are refused, as AWS never hands them out."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from products.local_aws.emulator import moto_server


def test_a_request_under_a_role_that_does_not_exist_is_refused_naming_it():
    with moto_server() as endpoint:
        harness = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="demo", aws_secret_access_key="demo")
        credentials = boto3.client("sts", **harness).assume_role(
            RoleArn="arn:aws:iam::222222222222:role/NoSuchRole", RoleSessionName="test")["Credentials"]
        sagemaker = boto3.client("sagemaker", endpoint_url=endpoint, region_name="us-east-1",
                                 aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                                 aws_session_token=credentials["SessionToken"])
        with pytest.raises(ClientError) as refused:
            sagemaker.list_model_packages()
        assert "NoSuchRole does not exist in account 222222222222" in str(refused.value)


def _trust(principal: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})


def test_assume_role_needs_the_callers_policy_and_the_targets_trust_both():
    with moto_server() as endpoint:
        harness = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="demo", aws_secret_access_key="demo")
        iam = boto3.client("iam", **harness)
        iam.create_role(RoleName="caller", AssumeRolePolicyDocument=_trust({"Service": "codepipeline.amazonaws.com"}))
        iam.put_role_policy(RoleName="caller", PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
        trusting = iam.create_role(RoleName="trusting", AssumeRolePolicyDocument=_trust(
            {"AWS": "arn:aws:iam::123456789012:role/caller"}))["Role"]["Arn"]
        aloof = iam.create_role(RoleName="aloof", AssumeRolePolicyDocument=_trust({"Service": "lambda.amazonaws.com"}))["Role"]["Arn"]
        credentials = boto3.client("sts", **harness).assume_role(
            RoleArn="arn:aws:iam::123456789012:role/caller", RoleSessionName="test")["Credentials"]
        sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=credentials["AccessKeyId"],
                           aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token=credentials["SessionToken"])
        assert sts.assume_role(RoleArn=trusting, RoleSessionName="test")["Credentials"]
        with pytest.raises(ClientError) as refused:
            sts.assume_role(RoleArn=aloof, RoleSessionName="test")
        assert "is not trusted by arn:aws:iam::123456789012:role/aloof" in str(refused.value)
