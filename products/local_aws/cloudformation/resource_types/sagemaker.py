"""AWS::SageMaker::ModelPackageGroup, on moto's SageMaker backend.

moto has no DeleteModelPackageGroup and keeps no group policy: the policy is kept on moto's group object
(``local_policy``) and deletion removes the group from the backend, as DeleteModelPackageGroup would."""

import json

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


MODELS = (ModelPackageGroup,)
