"""The catalog as a whole: its configuration file and the stacks published once per account.

- ``config``: ``catalog.yaml``, loaded and validated up front (which products, who sees them, which roles).
- ``portfolio``: the Service Catalog portfolio, its products and launch constraint.
- ``roles``: the roles every project runs under (launch, CodeBuild, CodePipeline, ...).
- ``target_account``: the roles a staging or prod account gives the tooling account's projects.

May import: ``products.blocks`` and this package. Never the product registry, rendering,
publishing or the local AWS (``tests/test_layout.py`` enforces it).
"""
