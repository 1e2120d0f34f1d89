"""Publishing the rendered catalog into AWS accounts: plan everything, show it, ask once, apply.

- ``aws``: the sessions, the call log and AWS errors as one line; ``assets``: the asset bucket and uploads;
- ``stacks``, ``stack_sets``, ``shares``, ``versions``, ``diff``: planning and applying each kind of write;
- ``publication``: the one publishing path (plan all, show, ask once, apply, clean up); ``report``: the plan shown;
- ``publisher``: a region's or member account's whole plan, its apply and its teardown;
- ``doctor`` (verify), ``fleet`` and ``projects``: reading what is published and what was made from it;
- ``organization``: the stack set's units' accounts, which projects may deploy into (listed at publish time).

May import: the product registry, ``products.blocks``, ``products.catalog``, ``products.render``,
``products.analysis`` and this package. Never the local AWS or the demo: what publishes into the
local AWS is the same code that publishes into AWS.
"""
