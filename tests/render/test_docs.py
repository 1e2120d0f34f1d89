"""The README's product table is what the product code says (refresh with `make templates`)."""

from pathlib import Path

from products import PRODUCTS
from products.render.docs import END, START, readme_with_products

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_product_table_is_generated_and_current():
    readme = README.read_text()
    assert readme.count(START) == 1 and readme.count(END) == 1
    assert readme_with_products(readme) == readme, "README product table is stale; run `make templates`"
    table = readme.split(START, 1)[1].split(END, 1)[0]
    for name in PRODUCTS:
        assert f"| `{name}` |" in table
    assert "`SourceModelPackageGroupName`" in table and "`SeedCodeBucket`" not in table
