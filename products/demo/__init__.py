"""The whole MLOps flow as people live it: on this machine against the local AWS (``publish.py demo``), or
in a sandbox account as an acceptance test (``publish.py accept``), by the same steps.

- ``scenarios``: each scenario as a table of steps; ``project_steps``: the endpoints scenario's, only what people do
  through AWS's APIs; ``steps``, ``batch_steps``, ``monitor_steps``: the other scenarios', which still play the
  pipelines' parts; one short function each, of the ``Demo`` in ``context``;
- ``people``: the Studio user's role every person's action is made as;
- ``watch``: following a pipeline's execution through CodePipeline's API, action by action;
- ``stand_ins``: what those scenarios do in AWS's place (the endpoint's data capture), each named;
- ``findings``: reading what the project has; ``run``: walking a scenario's steps, and the command;
- ``acceptance`` (with ``acceptance_plan``): the endpoints scenario in the account the credentials name, what it
  creates and costs said first, everything it created deleted after.

May import anything in ``products``; nothing imports it but ``publish.py`` and its tests.
"""
