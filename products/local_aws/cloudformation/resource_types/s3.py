"""AWS::S3::BucketPolicy, on moto's S3 backend (moto creates buckets, not their policies)."""

import json

from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from products.local_aws.cloudformation.resource_types.base import LocalResource


class BucketPolicy(LocalResource):
    TYPE = "AWS::S3::BucketPolicy"

    @classmethod
    def create(cls, name, properties, account_id, region):
        bucket = properties["Bucket"]
        _backend(account_id, region).put_bucket_policy(bucket, json.dumps(properties["PolicyDocument"]).encode())
        return cls(bucket, properties, account_id, region)  # Ref: the bucket's name

    def remove(self) -> None:
        _backend(self.account_id, self.region).delete_bucket_policy(self.physical_id)


def _backend(account_id: str, region: str):
    return s3_backends[account_id][get_partition(region)]


MODELS = (BucketPolicy,)
