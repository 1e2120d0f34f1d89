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


def product_id_output(product_name: str) -> str:
    """The portfolio stack's output holding a product's id (``BuildTrainDeployProductId``)."""
    return f"{_camel(product_name)}ProductId"


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
    for resource in _principal_associations(portfolio, portfolio_settings.principals):
        template.add_resource(resource)
    for release in releases:
        resources, outputs = _product(config, release, portfolio)
        for resource in resources:
            template.add_resource(resource)
        template.add_output(outputs)
    for resource in _tag_options(portfolio, portfolio_settings.tag_options):
        template.add_resource(resource)
    return template


def _principal_associations(portfolio: sc.Portfolio, principals) -> list:
    """Who sees the products in Studio: each principal associated with the portfolio."""
    return [
        sc.PortfolioPrincipalAssociation(
            f"PrincipalAssociation{index}",
            PortfolioId=Ref(portfolio),
            PrincipalARN=Sub(principal.arn) if "${" in principal.arn else principal.arn,
            PrincipalType=principal.type,
        )
        for index, principal in enumerate(principals, start=1)
    ]


def _product(config: CatalogConfig, release: ProductRelease, portfolio: sc.Portfolio) -> tuple[list, list]:
    """One product: tagged for Studio, in the portfolio, launched as the launch role; its ids as outputs."""
    product, provider = release.product, config.portfolio.provider_name
    logical = _camel(product.name)
    resource = sc.CloudFormationProduct(
        f"{logical}Product",
        Name=product.title,
        Description=product.description,
        Owner=provider,
        Distributor=provider,
        ProvisioningArtifactParameters=[
            sc.ProvisioningArtifactProperties(
                Name=release.version_name,
                Description=f"{product.name} {product.version}",
                Info=sc.Info(LoadTemplateFromURL=template_url(config.asset_bucket, release.template_key)),
            )
        ],
        Tags=Tags(STUDIO_VISIBILITY_TAG),
    )
    association = sc.PortfolioProductAssociation(
        f"{logical}Association", PortfolioId=Ref(portfolio), ProductId=Ref(resource),
    )
    constraint = sc.LaunchRoleConstraint(
        f"{logical}LaunchConstraint",
        DependsOn=[association.title],
        PortfolioId=Ref(portfolio),
        ProductId=Ref(resource),
        RoleArn=config.roles.arn("launch"),
        Description=f"Launch {product.name} as {config.roles.launch}",
    )
    outputs = [Output(product_id_output(product.name), Value=Ref(resource)),
               Output(f"{logical}ProvisioningArtifactIds", Value=GetAtt(resource, "ProvisioningArtifactIds"))]
    return [resource, association, constraint], outputs


def _tag_options(portfolio: sc.Portfolio, tag_options) -> list:
    """The TagOptions users may pick when they create a project, each associated with the portfolio."""
    resources = []
    for key, values in tag_options:
        for value in values:
            logical = f"TagOption{_camel(_alnum(key))}{_camel(_alnum(value))}"
            option = sc.TagOption(logical, Key=key, Value=value, Active=True)
            resources += [option, sc.TagOptionAssociation(f"{logical}Association", ResourceId=Ref(portfolio),
                                                          TagOptionId=Ref(option))]
    return resources


def _alnum(text: str) -> str:
    return "-".join("".join(char if char.isalnum() else " " for char in text).split())
