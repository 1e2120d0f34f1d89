import sys
import time
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

GROUP = "abalone-p-abc123def456"
PROJECT_ARGS = [
    "--model-package-group-name", GROUP,
    "--model-execution-role", "arn:aws:iam::123456789012:role/service-role/AmazonSageMakerServiceCatalogProductsExecutionRole",
    "--sagemaker-project-name", "abalone",
    "--sagemaker-project-id", "p-abc123def456",
    "--s3-bucket", "sagemaker-project-p-abc123def456",
]


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch):
    """Fake credentials first, so no test can reach a real account."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture
def aws():
    with mock_aws():
        yield


@pytest.fixture
def sagemaker(aws):
    return boto3.client("sagemaker")


@pytest.fixture
def group(sagemaker):
    sagemaker.create_model_package_group(
        ModelPackageGroupName=GROUP,
        Tags=[{"Key": "sagemaker:project-name", "Value": "abalone"}, {"Key": "cost-center", "Value": "ml-research"}],
    )
    return GROUP


def add_package(sagemaker, group: str, status: str) -> str:
    """Register a package; a short pause keeps creation times strictly increasing."""
    time.sleep(0.002)
    return sagemaker.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus=status,
        InferenceSpecification={
            "Containers": [{
                "Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
                "ModelDataUrl": "s3://sagemaker-project-p-abc123def456/model/model.tar.gz",
            }],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    )["ModelPackageArn"]
