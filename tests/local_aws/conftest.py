"""A local AWS with the catalog's roles, for the tests of its services (CodePipeline, EventBridge)."""

import json

import boto3
import pytest

from products.local_aws.emulator import moto_server
from products.publishing.stacks import template_body

REGION, ACCOUNT = "us-east-1", "123456789012"


@pytest.fixture
def git_host_dir(tmp_path):
    """The emulator's Git host stand-in (EMULATOR_GIT_HOST_DIR): repositories behind CodeConnections."""
    return tmp_path / "git-host"


@pytest.fixture
def local_aws(artifacts, git_host_dir):
    """A fresh emulator with the roles stack; ``local_aws(service)`` is an admin client of it."""
    git_host_dir.mkdir()
    with moto_server(env={"EMULATOR_GIT_HOST_DIR": str(git_host_dir)}) as endpoint:
        def client(service):
            return boto3.client(service, region_name=REGION, endpoint_url=endpoint,
                                aws_access_key_id="admin", aws_secret_access_key="admin")

        client("cloudformation").create_stack(StackName="roles", TemplateBody=template_body(json.loads(artifacts.roles.data)),
                                              Capabilities=["CAPABILITY_NAMED_IAM"])
        yield client
