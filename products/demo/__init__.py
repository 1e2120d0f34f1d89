"""The demo: the whole MLOps flow on this machine, against the local AWS (``publish.py demo``).

- ``scenarios``: each scenario as a table of steps; ``steps``, ``batch_steps``, ``monitor_steps``: the steps,
  one short function each, of the ``Demo`` in ``context``;
- ``stand_ins``: what the demo does in AWS's place (the endpoint's answers, its data capture), each named;
- ``findings``: reading what the project has; ``run``: walking a scenario's steps, and the command.

May import anything in ``products``; nothing imports it but ``publish.py`` and its tests.
"""
