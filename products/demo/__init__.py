"""The demo: the whole MLOps flow on this machine, against the local AWS (``publish.py demo``).

- ``run``: the scenarios and their steps.

May import anything in ``products``; nothing imports it but ``publish.py`` and its tests.
"""
