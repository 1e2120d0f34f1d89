"""The portfolio stack: the Service Catalog side of the catalog, as Studio sees it.

Studio lists a product when it carries the tag ``sagemaker:studio-visibility=true`` and
the user's execution role is associated with its portfolio; Service Catalog launches
it with the launch role given by the launch constraint.
"""

from dataclasses import dataclass

from troposphere import GetAtt, Output, Ref, Sub, Tags, servicecatalog as sc

from products.blocks.product import Product, new_template
from products.catalog.config import CatalogConfig

STUDIO_VISIBILITY_TAG = {"sagemaker:studio-visibility": "true"}


@dataclass(frozen=True)
class ProductRelease:
    """A product as published: where its template lies and what its version is called."""

    product: Product
    template_key: str
    version_name: str


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def template_url(asset_bucket: str, key: str) -> Sub:
    return Sub(f"https://{asset_bucket}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}/{key}")


def build(config: CatalogConfig, releases: list[ProductRelease]):
    portfolio_settings = config.portfolio
    template = new_template("Service Catalog portfolio of SageMaker project templates.")
    portfolio = template.add_resource(
        sc.Portfolio(
            "Portfolio",
            DisplayName=portfolio_settings.display_name,
            ProviderName=portfolio_settings.provider_name,
            Description=portfolio_settings.description or portfolio_settings.display_name,
        )
    )
    template.add_output(Output("PortfolioId", Value=Ref(portfolio)))

    for index, principal in enumerate(portfolio_settings.principals, start=1):
        template.add_resource(
            sc.PortfolioPrincipalAssociation(
                f"PrincipalAssociation{index}",
                PortfolioId=Ref(portfolio),
                PrincipalARN=Sub(principal.arn) if "${" in principal.arn else principal.arn,
                PrincipalType=principal.type,
            )
        )

    launch_role_arn = config.roles.arn("launch")
    for release in releases:
        product = release.product
        logical = _camel(product.name)
        resource = template.add_resource(
            sc.CloudFormationProduct(
                f"{logical}Product",
                Name=product.title,
                Description=product.description,
                Owner=portfolio_settings.provider_name,
                Distributor=portfolio_settings.provider_name,
                ProvisioningArtifactParameters=[
                    sc.ProvisioningArtifactProperties(
                        Name=release.version_name,
                        Description=f"{product.name} {product.version}",
                        Info=sc.Info(LoadTemplateFromURL=template_url(config.asset_bucket, release.template_key)),
                    )
                ],
                Tags=Tags(STUDIO_VISIBILITY_TAG),
            )
        )
        association = template.add_resource(
            sc.PortfolioProductAssociation(
                f"{logical}Association",
                PortfolioId=Ref(portfolio),
                ProductId=Ref(resource),
            )
        )
        template.add_resource(
            sc.LaunchRoleConstraint(
                f"{logical}LaunchConstraint",
                DependsOn=[association.title],
                PortfolioId=Ref(portfolio),
                ProductId=Ref(resource),
                RoleArn=launch_role_arn,
                Description=f"Launch {product.name} as {config.roles.launch}",
            )
        )
        template.add_output(Output(f"{logical}ProductId", Value=Ref(resource)))
        template.add_output(
            Output(f"{logical}ProvisioningArtifactIds", Value=GetAtt(resource, "ProvisioningArtifactIds"))
        )

    for key, values in portfolio_settings.tag_options:
        for value in values:
            logical = f"TagOption{_camel(_alnum(key))}{_camel(_alnum(value))}"
            option = template.add_resource(sc.TagOption(logical, Key=key, Value=value, Active=True))
            template.add_resource(
                sc.TagOptionAssociation(f"{logical}Association", ResourceId=Ref(portfolio), TagOptionId=Ref(option))
            )
    return template


def _alnum(text: str) -> str:
    return "-".join("".join(char if char.isalnum() else " " for char in text).split())
