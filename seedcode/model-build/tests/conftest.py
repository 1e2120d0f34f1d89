import boto3
import pytest
from moto import mock_aws

REGION = "us-east-1"
BUCKET = "sagemaker-project-p-abc123def456"
GROUP = "abalone-p-abc123def456"
KWARGS = {
    "region": REGION,
    "role": "arn:aws:iam::123456789012:role/service-role/AmazonSageMakerServiceCatalogProductsExecutionRole",
    "default_bucket": BUCKET,
    "pipeline_name": "sagemaker-abalone-p-abc123def456",
    "model_package_group_name": GROUP,
    "base_job_prefix": "abalone-p-abc123def456",
}
PIPELINE_ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMakerServiceCatalogProductsUseRole"


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch):
    """Fake credentials first, so no test can reach a real account."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture
def aws():
    """moto with the project's bucket and model package group, as the project stack creates them."""
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
        boto3.client("sagemaker", region_name=REGION).create_model_package_group(ModelPackageGroupName=GROUP)
        yield
