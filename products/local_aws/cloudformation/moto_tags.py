"""A stack's KMS key tags, given to moto as its KMS API takes them.

moto 5.2.5's ``AWS::KMS::Key`` passes the template's ``Tags`` (``Key``/``Value``, CloudFormation's shape) to its
CreateKey, which reads the API's ``TagKey``/``TagValue``: a tagged key failed its stack with "'TagKey'". The
catalog tags every project key (the products that deploy to other accounts create one). This gives moto the API's
shape; the key is tagged as CloudFormation tags it.
"""


def install() -> None:
    from moto.kms.models import Key

    create = Key.create_from_cloudformation_json.__func__
    if getattr(create, "local_aws", False):
        return

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = dict(cloudformation_json.get("Properties", {}))
        properties["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in properties.get("Tags", [])]
        return create(cls, resource_name, {**cloudformation_json, "Properties": properties}, account_id, region_name,
                      **kwargs)

    create_from_cloudformation_json.local_aws = True
    Key.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
