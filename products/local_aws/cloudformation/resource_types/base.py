"""What every added resource type shares: its CloudFormation type, name property and attributes, declared once."""

from typing import Any, Callable

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel


class LocalResource(CloudFormationModel):
    """A resource a stack created, kept for its Ref (``physical_id``), its attributes and its deletion.

    Subclasses set TYPE, NAME_PROPERTY (the property CloudFormation takes the physical name from, "" for none) and
    ATTRIBUTES (Fn::GetAtt name -> function of the resource), and implement ``create`` and ``remove``. What a
    resource needs besides its id and properties (an ARN the service made, the key it deletes by) is passed by
    name and kept as an attribute."""

    TYPE = ""
    NAME_PROPERTY = ""
    ATTRIBUTES: dict[str, Callable[["LocalResource"], Any]] = {}

    def __init__(self, physical_id: str, properties: dict, account_id: str, region: str, **kept: Any):
        self.physical_id, self.properties, self.account_id, self.region = physical_id, properties, account_id, region
        self.__dict__.update(kept)

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return self.ATTRIBUTES[attribute_name](self)

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict, account_id: str,
                                        region_name: str, **kwargs: Any) -> "LocalResource":
        return cls.create(resource_name, cloudformation_json.get("Properties", {}), account_id, region_name)

    @classmethod
    def create(cls, name: str, properties: dict, account_id: str, region: str) -> "LocalResource":
        raise NotImplementedError

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id,
                                        region_name):
        """A changed resource replaced by one made from its new properties (a type whose update AWS makes in
        place, keeping an id other resources hold, overrides this)."""
        original_resource.remove()
        return cls.create(new_resource_name, cloudformation_json.get("Properties", {}), account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name) -> None:
        raise NotImplementedError  # deleted through the instance (delete), which moto tries first

    def delete(self, account_id: str, region_name: str) -> None:
        self.remove()

    def remove(self) -> None:
        raise NotImplementedError
