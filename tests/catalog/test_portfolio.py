"""The portfolio stack gives Studio what it needs to list and launch the products."""

import dataclasses
import json

from products import PRODUCTS
from products.catalog.config import Principal
from products.render.lint import lint_template
from products.catalog.portfolio import ProductRelease, build


def _resources(template, resource_type):
    return {k: r for k, r in template["Resources"].items() if r["Type"] == resource_type}


def test_products_are_visible_in_studio_and_versioned_by_content(rendered, artifacts, config):
    portfolio = rendered["portfolio.json"]
    products = _resources(portfolio, "AWS::ServiceCatalog::CloudFormationProduct")
    templates = {a.product: a for a in artifacts if a.kind == "product-template"}
    assert len(products) == len(templates) == len(config.products)
    for logical_id, product in products.items():
        assert {"Key": "sagemaker:studio-visibility", "Value": "true"} in product["Properties"]["Tags"]
        (artifact,) = product["Properties"]["ProvisioningArtifactParameters"]
        name = next(n for n in templates if logical_id == "".join(p.capitalize() for p in n.split("-")) + "Product")
        assert artifact["Name"] == f"1.0.0-{templates[name].sha256[:8]}"


def test_launch_constraint_follows_the_association(rendered, config):
    portfolio = rendered["portfolio.json"]
    associations = _resources(portfolio, "AWS::ServiceCatalog::PortfolioProductAssociation")
    constraints = _resources(portfolio, "AWS::ServiceCatalog::LaunchRoleConstraint")
    assert len(associations) == len(constraints) == len(config.products)
    for constraint in constraints.values():
        (association_id,) = constraint["DependsOn"]
        assert associations[association_id]["Properties"]["ProductId"] == constraint["Properties"]["ProductId"]
        assert constraint["Properties"]["RoleArn"]["Fn::Sub"].endswith(
            ":role/service-role/AmazonSageMakerServiceCatalogProductsLaunchRole"
        )


def test_principals_tag_options_and_several_products_render_clean(config, tmp_path):
    custom = dataclasses.replace(
        config,
        portfolio=dataclasses.replace(
            config.portfolio,
            principals=(
                Principal("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/DataScientist"),
                Principal("arn:aws:iam:::role/service-role/AmazonSageMaker-ExecutionRole-*"),
            ),
            tag_options=(("cost-center", ("ml-research", "ml-prod")),),
        ),
    )
    product = PRODUCTS["build-train-deploy"]
    other = dataclasses.replace(product, name="second-product", title="Second")
    template = json.loads(
        build(custom, [ProductRelease(product, "templates/a/1.json", "1.0.0-aaaa"),
                       ProductRelease(other, "templates/b/2.json", "1.0.0-bbbb")]).to_json()
    )
    principals = _resources(template, "AWS::ServiceCatalog::PortfolioPrincipalAssociation")
    assert sorted(p["Properties"]["PrincipalType"] for p in principals.values()) == ["IAM", "IAM_PATTERN"]
    assert len(_resources(template, "AWS::ServiceCatalog::TagOption")) == 2
    assert len(_resources(template, "AWS::ServiceCatalog::TagOptionAssociation")) == 2
    assert len(_resources(template, "AWS::ServiceCatalog::LaunchRoleConstraint")) == 2
    assert lint_template(json.dumps(template, indent=2), "portfolio.json", ["us-east-1", "eu-west-1"]) == []
