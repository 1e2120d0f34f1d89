"""A local AWS with the catalog's roles, for the tests of its services (CodePipeline, EventBridge)."""

import json
import subprocess

import boto3
import pytest

from products.local_aws.emulator import moto_server
from products.local_aws.seed_executor import executor_module
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


XGBOOST_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
# A small booster on 10 features, as the seed's preprocessing writes them: the endpoint stand-in computes its real
# predictions, which the staging test finds plausible (4 to 20 rings).
TRAIN_MODEL = (
    "import io, sys, tarfile, numpy, xgboost\n"
    "rng = numpy.random.default_rng(7)\n"
    "features = rng.uniform(0.05, 0.8, size=(200, 10))\n"
    "booster = xgboost.train({'objective': 'reg:squarederror'}, xgboost.DMatrix(features, label=4 + 20 * features[:, 0]), 5)\n"
    "raw = booster.save_raw(raw_format='json')\n"
    "with tarfile.open(sys.argv[1], 'w:gz') as archive:\n"
    "    info = tarfile.TarInfo('xgboost-model'); info.size = len(raw)\n"
    "    archive.addfile(info, io.BytesIO(bytes(raw)))\n"
)


@pytest.fixture(scope="module")
def xgboost_python():
    """The runtime that stands in for SageMaker's XGBoost image (the endpoint stand-in serves its models)."""
    images, container = executor_module("images"), executor_module("container")
    return container.runtime_python(images.runtime_for(XGBOOST_IMAGE), say=lambda _line: None)


@pytest.fixture(scope="module")
def model_archive(xgboost_python, tmp_path_factory):
    """A small trained XGBoost model, packaged as a training job leaves it (model.tar.gz)."""
    path = tmp_path_factory.mktemp("model") / "model.tar.gz"
    subprocess.run([str(xgboost_python), "-c", TRAIN_MODEL, str(path)], check=True)
    return path.read_bytes()
