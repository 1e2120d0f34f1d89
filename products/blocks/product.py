"""What a catalog product is: metadata plus a pure function from settings to a template."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from troposphere import Template

from products.blocks.build_contract import SeedRepo
from products.blocks.iam import RoleNames
from products.blocks.parameters import mark_optional_parameters


@dataclass(frozen=True)
class ProductSettings:
    """Everything a product template depends on besides its own code.

    ``asset_bucket`` is a ``Fn::Sub`` pattern (it may use ``${AWS::AccountId}`` and
    ``${AWS::Region}``); ``seed_code_keys`` maps a seed repo to its object key there.
    """

    roles: RoleNames = field(default_factory=RoleNames)
    asset_bucket: str = "sagemaker-catalog-${AWS::AccountId}-${AWS::Region}"
    seed_code_keys: Mapping[str, str] = field(default_factory=dict)
    deploy_accounts: tuple[str, ...] = ()  # the accounts StagingAccountId and ProdAccountId may name


@dataclass(frozen=True)
class Product:
    name: str
    title: str
    description: str
    version: str
    seed_repos: tuple[SeedRepo, ...]
    build: Callable[[ProductSettings], Template]

    def template(self, settings: ProductSettings) -> Template:
        template = self.build(settings)
        mark_optional_parameters(template)
        return template


def new_template(description: str) -> Template:
    template = Template(Description=description)
    template.set_version("2010-09-09")
    return template
