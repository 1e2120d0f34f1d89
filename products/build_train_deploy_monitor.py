"""Products ``build-train-deploy-monitor`` and ``-monitor-git``: build-train-deploy that retrains on drift.

Each is its flow (CodeCommit, or third-party Git) plus the drift monitor of
``products.blocks.drift_monitor``: the prod endpoint's captured requests are checked against
the deployed model's registered baseline on a schedule, and drift starts the model-build
pipeline again, at most once per cooldown.
"""

from troposphere import Output, Template

from products import build_train_deploy, build_train_deploy_git
from products.blocks import build_contract as contract
from products.blocks.drift_monitor import drift_monitor, monitor_pipeline_name
from products.blocks.product import Product, ProductSettings

VERSION = "1.0.0"
RETRAINS = " The prod endpoint's requests are checked for drift on a schedule; drift retrains the model."


def with_drift_monitor(settings: ProductSettings, composed) -> Template:
    template = composed.base.template
    template.add_resource(drift_monitor(template, settings.roles, composed.base.bucket, composed.build_source,
                                        composed.build_half.pipeline, composed.deploy_half.pipeline, composed.base.accounts))
    template.add_output(Output("DriftMonitorPipelineName", Value=monitor_pipeline_name(),
                               Description="The SageMaker pipeline checking prod for drift (created at the first prod deploy)"))
    return template


def build_codecommit(settings: ProductSettings) -> Template:
    return with_drift_monitor(settings, build_train_deploy.compose(settings, build_train_deploy.DESCRIPTION + RETRAINS))


def build_git(settings: ProductSettings) -> Template:
    return with_drift_monitor(settings, build_train_deploy_git.compose(settings, build_train_deploy_git.DESCRIPTION + RETRAINS))


PRODUCT = Product(
    name="build-train-deploy-monitor",
    title="MLOps template for model building, training, deployment and retraining on drift (CodeCommit)",
    description=build_train_deploy.PRODUCT.description + RETRAINS,
    version=VERSION,
    seed_repos=(contract.MODEL_BUILD, contract.MODEL_DEPLOY),
    build=build_codecommit,
)
GIT_PRODUCT = Product(
    name="build-train-deploy-monitor-git",
    title="MLOps template for model building, training, deployment and retraining on drift (third-party Git)",
    description=build_train_deploy_git.PRODUCT.description + RETRAINS,
    version=VERSION,
    seed_repos=(contract.MODEL_BUILD, contract.MODEL_DEPLOY),
    build=build_git,
)
