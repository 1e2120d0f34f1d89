"""AWS::SageMaker::ModelPackageGroup and AWS::SageMaker::Image, on moto's SageMaker backend.

moto has no DeleteModelPackageGroup and keeps no group policy: the policy is kept on moto's group object
(``local_policy``) and deletion removes the group from the backend, as DeleteModelPackageGroup would.

moto has no SageMaker images at all: an image is kept in the backend's ``local_images`` (name -> its
properties and ARN), with CreateImage's refusals (a name taken, a name SageMaker's pattern refuses). The
image API (DescribeImage, CreateImageVersion) is not emulated: the image build that calls it needs docker,
which the local AWS does not run."""

import json
import re

from moto.sagemaker.models import sagemaker_backends

from products.local_aws.cloudformation.resource_types.base import LocalResource


class ModelPackageGroup(LocalResource):
    TYPE = "AWS::SageMaker::ModelPackageGroup"
    NAME_PROPERTY = "ModelPackageGroupName"
    ATTRIBUTES = {"ModelPackageGroupArn": lambda self: self.physical_id}

    @classmethod
    def create(cls, name, properties, account_id, region):
        backend = sagemaker_backends[account_id][region]
        arn = backend.create_model_package_group(name, properties.get("ModelPackageGroupDescription", ""),
                                                 properties.get("Tags", []))
        if "ModelPackageGroupPolicy" in properties:
            policy = properties["ModelPackageGroupPolicy"]
            backend.model_package_groups[name].local_policy = policy if isinstance(policy, str) else json.dumps(policy)
        return cls(arn, properties, account_id, region, name=name)  # Ref: the group's ARN

    def remove(self) -> None:
        sagemaker_backends[self.account_id][self.region].model_package_groups.pop(self.name, None)


# CreateImage's ImageName (SageMaker API Reference).
_IMAGE_NAME = re.compile(r"^[a-zA-Z0-9]([-.]?[a-zA-Z0-9]){0,62}$")


class Image(LocalResource):
    TYPE = "AWS::SageMaker::Image"
    NAME_PROPERTY = "ImageName"
    ATTRIBUTES = {"ImageArn": lambda self: self.physical_id}

    @classmethod
    def create(cls, name, properties, account_id, region):
        from moto.sagemaker.exceptions import ValidationError

        images = cls.images(account_id, region)
        if not _IMAGE_NAME.match(name):
            raise ValidationError(f"ImageName {name!r} does not match {_IMAGE_NAME.pattern}")
        if name in images:
            raise ValidationError(f"Image {name} already exists")  # CreateImage's ResourceInUse
        arn = f"arn:aws:sagemaker:{region}:{account_id}:image/{name.lower()}"
        images[name] = {"ImageArn": arn, **properties}
        return cls(arn, properties, account_id, region, name=name)  # Ref: the image's ARN

    @staticmethod
    def images(account_id: str, region: str) -> dict:
        backend = sagemaker_backends[account_id][region]
        if not hasattr(backend, "local_images"):
            backend.local_images = {}
        return backend.local_images

    def remove(self) -> None:
        self.images(self.account_id, self.region).pop(self.name, None)


MODELS = (ModelPackageGroup, Image)
