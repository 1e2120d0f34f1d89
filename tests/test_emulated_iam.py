"""The emulator's IAM: credentials of a role that does not exist are refused, as AWS never hands them out."""

import boto3
import pytest
from botocore.exceptions import ClientError

from products.emulator import moto_server


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
