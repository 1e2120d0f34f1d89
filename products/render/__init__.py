"""Rendering the catalog offline: templates, seed-code zips, their lint, the README's product table.

- ``synth``: every artifact in memory (product templates, their Studio copies, catalog stacks, seed zips).
- ``lint``: cfn-lint over what synth made.
- ``docs``: the README's product table, generated from the product code.
- ``seed_readme``: the "Your project" section of each seed repo's README.

May import: the product registry (``products``), ``products.blocks``, ``products.catalog``,
``products.analysis`` and this package. Never publishing or the local AWS.
"""
