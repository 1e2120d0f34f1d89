"""AWS::CodeCommit::Repository, on moto's CodeCommit backend, with its initial commit.

moto's CodeCommit keeps no content. The ``Code`` property's zip ("the S3 bucket containing the initial
content... committed to the branch", CloudFormation's AWS::CodeCommit::Repository Code) is read from
S3 and kept on moto's repository object as the branch's files (``local_branches``: branch -> {path:
bytes}), for the pipelines' source actions to read."""

import io
import zipfile

from moto.codecommit.models import codecommit_backends
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from products.local_aws.cloudformation.resource_types.base import LocalResource


def initial_files(code: dict, account_id: str, region: str) -> dict[str, bytes]:
    """The files of the zip ``Code.S3`` names; an error naming the object if S3 has none."""
    from moto.s3.exceptions import MissingBucket

    location = code["S3"]
    try:  # moto's get_object raises for a missing bucket and returns None for a missing key
        key = s3_backends[account_id][get_partition(region)].get_object(
            location["Bucket"], location["Key"], version_id=location.get("ObjectVersion"))
    except MissingBucket:
        key = None
    if key is None:
        raise ValueError(f"Code.S3: s3://{location['Bucket']}/{location['Key']} does not exist")
    with zipfile.ZipFile(io.BytesIO(key.value)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}


class Repository(LocalResource):
    TYPE = "AWS::CodeCommit::Repository"
    NAME_PROPERTY = "RepositoryName"
    ATTRIBUTES = {
        "Arn": lambda self: self.metadata["Arn"],
        "Name": lambda self: self.metadata["repositoryName"],
        "CloneUrlHttp": lambda self: self.metadata["cloneUrlHttp"],
        "CloneUrlSsh": lambda self: self.metadata["cloneUrlSsh"],
    }

    @classmethod
    def create(cls, name, properties, account_id, region):
        files = initial_files(properties["Code"], account_id, region) if "Code" in properties else None
        backend = codecommit_backends[account_id][region]
        metadata = backend.create_repository(name, properties.get("RepositoryDescription", ""))
        stored = backend.repositories[name]
        stored.local_branches = {}
        if files is not None:
            branch = properties["Code"].get("BranchName", "main")
            stored.local_branches[branch] = files
            metadata["defaultBranch"] = branch
        return cls(metadata["repositoryId"], properties, account_id, region, metadata=metadata)  # Ref: the repository's id

    def remove(self) -> None:
        codecommit_backends[self.account_id][self.region].delete_repository(self.metadata["repositoryName"])


MODELS = (Repository,)
