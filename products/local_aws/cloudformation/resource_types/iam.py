"""AWS::IAM::OIDCProvider, on moto's IAM backend (moto's IAM has the provider API, not its CloudFormation type).

A provider is the account's, one per issuer URL: CreateOpenIDConnectProvider refuses a second (EntityAlreadyExists),
so a stack that creates one where it exists fails, as in AWS. The local STS (sts_web_identity.py) reads the providers
from this backend when a token is exchanged for a role's credentials.
"""

from moto.iam.models import iam_backends

from products.local_aws.cloudformation.resource_types.base import LocalResource


class OIDCProvider(LocalResource):
    TYPE = "AWS::IAM::OIDCProvider"
    NAME_PROPERTY = ""
    ATTRIBUTES = {"Arn": lambda self: self.physical_id}

    @classmethod
    def create(cls, name, properties, account_id, region):
        provider = iam_backends[account_id]["aws"].create_open_id_connect_provider(
            properties["Url"], properties.get("ThumbprintList", []), properties.get("ClientIdList", []),
            properties.get("Tags", []))  # IAM's API takes tags as CloudFormation writes them
        return cls(provider.arn, properties, account_id, region)  # Ref: the provider's ARN

    def remove(self) -> None:
        iam_backends[self.account_id]["aws"].delete_open_id_connect_provider(self.physical_id)


MODELS = (OIDCProvider,)
