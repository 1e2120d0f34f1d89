"""AWS::CodeBuild::Project, on moto's CodeBuild backend: the project as BatchGetProjects then describes it."""

from moto.codebuild.models import codebuild_backends

from products.local_aws.cloudformation.resource_types.base import LocalResource
from products.local_aws.cloudformation.resource_types.shapes import api_members, api_tags

# Where CodeBuild's API names a member otherwise than lowering the property's first letter.
_RENAMES = {"BuildSpec": "buildspec"}


class Project(LocalResource):
    TYPE = "AWS::CodeBuild::Project"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = {"Arn": lambda self: self.arn}

    @classmethod
    def create(cls, name, properties, account_id, region):
        def member(key):
            return api_members(properties.get(key), renames=_RENAMES)

        created = codebuild_backends[account_id][region].create_project(
            project_name=name, description=properties.get("Description"), project_source=member("Source"),
            artifacts=member("Artifacts"), environment=member("Environment"), service_role=properties["ServiceRole"],
            tags=api_tags(properties.get("Tags")), cache=member("Cache"), timeout=properties.get("TimeoutInMinutes"),
            queued_timeout=properties.get("QueuedTimeoutInMinutes"), source_version=properties.get("SourceVersion"),
            logs_config=member("LogsConfig"), vpc_config=member("VpcConfig"))
        return cls(name, properties, account_id, region, arn=created["arn"])  # Ref: the project's name

    def remove(self) -> None:
        codebuild_backends[self.account_id][self.region].delete_project(self.physical_id)


MODELS = (Project,)
