"""Deleting from SageMaker's model registry in the local AWS: DeleteModelPackage and DeleteModelPackageGroup, which
moto lacks, on moto's own SageMaker backend (``model_packages``, ``model_package_groups``).

A project's model package group outlives the project (DeletionPolicy Retain); the acceptance run deletes it after
the project, packages first. DeleteModelPackageGroup's documented error is ConflictException; the local AWS gives
it while the group still holds packages (the message is ours). Each request is checked against the API model and,
for a role's credentials, against the role's policies (iam.py, as every request).
"""

from products.local_aws import api_model


def _backend(account: str, region: str):
    from moto.sagemaker.models import sagemaker_backends

    return sagemaker_backends[account][region]


def delete_model_package(account: str, region: str, caller: str | None, request: dict) -> dict:
    backend = _backend(account, region)
    name = request["ModelPackageName"]
    arn = backend.model_package_name_mapping.get(name, name)
    if backend.model_packages.pop(arn, None) is None:
        raise api_model.Refused("ValidationException", f"Model package {name} does not exist")
    for key in [k for k, v in backend.model_package_name_mapping.items() if v == arn]:
        del backend.model_package_name_mapping[key]
    return {}


def delete_model_package_group(account: str, region: str, caller: str | None, request: dict) -> dict:
    backend = _backend(account, region)
    name = request["ModelPackageGroupName"].rsplit("/", 1)[-1]
    if name not in backend.model_package_groups:
        raise api_model.Refused("ValidationException", f"Model package group {name} does not exist")
    held = [p.arn for p in backend.model_packages.values() if p.model_package_group_name == name]
    if held:
        raise api_model.Refused("ConflictException", f"Model package group {name} still holds {len(held)} model "
                                                     "package(s): delete them first")
    del backend.model_package_groups[name]
    return {}


OPERATIONS = {"DeleteModelPackage": delete_model_package, "DeleteModelPackageGroup": delete_model_package_group}


def install() -> None:
    """Patch moto (in this process): its SageMaker answers the registry deletions above."""
    from moto.sagemaker.responses import SageMakerResponse

    api_model.install(SageMakerResponse, "sagemaker", OPERATIONS, invalid_code="ValidationException")
