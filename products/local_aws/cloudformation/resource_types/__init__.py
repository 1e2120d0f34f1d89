"""Resource types moto's CloudFormation lacks, each a moto ``CloudFormationModel`` backed by moto's own service
backend, so what the stack creates is what the service's API then describes (an extension of moto, not a second
emulator). One module per service; ``MODELS`` lists every type added here.

May import: moto, ``products.analysis`` and this package.
"""

from products.local_aws.cloudformation.resource_types import (
    autoscaling,
    cloudwatch,
    codebuild,
    codecommit,
    codepipeline,
    iam,
    s3,
    sagemaker,
    scheduler,
    servicecatalog,
)

SERVICES = (autoscaling, cloudwatch, codebuild, codecommit, codepipeline, iam, s3, sagemaker, scheduler, servicecatalog)
MODELS = {model.cloudformation_type(): model for service in SERVICES for model in service.MODELS}


def register() -> None:
    """moto lists its models as CloudFormationModel's direct subclasses (cached): add these to the list once."""
    from moto.cloudformation import parsing

    if getattr(parsing.get_model_list, "local_aws", False):
        return
    moto_models = parsing.get_model_list

    def get_model_list():
        return [*moto_models(), *MODELS.values()]

    get_model_list.local_aws = True
    parsing.get_model_list = get_model_list
    for cached in (parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
