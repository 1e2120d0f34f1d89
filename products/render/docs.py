"""The README's product table, generated from the product code (tests/render/test_docs.py keeps it current)."""

from products import PRODUCTS
from products.blocks.build_contract import SEED_REPOS
from products.blocks.product import ProductSettings

START, END = "<!-- products:start -->", "<!-- products:end -->"
# Filled in by the publisher; users never set them.
PUBLISHER_PARAMETERS = {"SeedCodeBucket", "AccessLogBucket", *(repo.key_parameter for repo in SEED_REPOS.values())}


def products_markdown() -> str:
    settings = ProductSettings(seed_code_keys={name: "" for name in SEED_REPOS})
    lines = ["| product | version | what it creates | parameters a user fills in |", "| --- | --- | --- | --- |"]
    for name, product in PRODUCTS.items():
        template = product.template(settings).to_dict()
        parameters = [
            f"`{parameter}`" + (f" (default `{spec['Default']}`)" if spec.get("Default") else "")
            for parameter, spec in template["Parameters"].items()
            if parameter not in PUBLISHER_PARAMETERS
        ]
        kinds = sorted({resource["Type"].removeprefix("AWS::") for resource in template["Resources"].values()})
        lines.append(
            f"| `{name}` | {product.version} | {product.title}: {len(template['Resources'])} resources "
            f"({', '.join(kinds)}) | {', '.join(parameters)} |"
        )
    return "\n".join(lines)


def readme_with_products(readme: str) -> str:
    before, rest = readme.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{products_markdown()}\n{END}{after}"
