"""The local AWS: moto, extended where the catalog needs AWS to do more, for the demo and the tests.

- ``emulator``: moto_server on a loopback port (``python -m products.local_aws.emulator``), with its shims.
- ``cloudformation``: moto's CloudFormation, creating, rolling back and deleting the catalog's stacks as AWS does.
- ``lambda_runtime`` (with ``lambda_bootstrap``): invoking a function runs its own code, as its role.
- ``iam``: every request signed with a role's credentials checked against that role's policies.
- ``pipelines``: SageMaker pipeline executions run for real through the seed repo's executor.
- ``event_shapes`` and ``event_routing``: AWS's documented events, routed through a project's rules.
- ``service_events``: the events services send themselves (model package approval, pipeline runs, pushes).
- ``eventbridge_delivery``: rules deliver to CodePipeline, SageMaker pipelines and Lambda, as the target's role.
- ``codecommit_commits``: CreateCommit and GetBranch, a push by CodeCommit's API.
- ``sagemaker_endpoints``: InvokeEndpoint and InvokeEndpointAsync answer with the deployed model's predictions;
  ``sagemaker_capture``: the answers captured as the endpoint configuration says;
  ``sagemaker_hosting``: the endpoint configurations AWS refuses for an endpoint's type (serverless exclusions).
- ``codebuild`` and ``codebuild_image``: a buildspec run as CodeBuild would, in its image's stand-in.
- ``codebuild_builds``: StartBuild runs the build that way, as the project's service role.
- ``codepipeline_runs`` (with ``codepipeline_actions``, ``codepipeline_artifacts``, ``codepipeline_stages``):
  executions walk their pipeline, sharing its stages as its execution mode says.
- ``codepipeline_triggers``: a push to the Git host stand-in starts the V2 pipelines whose Git trigger names it.
- ``servicecatalog_api`` (with ``servicecatalog_provisioning``): Service Catalog's reads and product launches.
- ``sagemaker_projects``: CreateProject and DeleteProject on both of Studio's routes.
- ``sagemaker_registry``: DeleteModelPackage and DeleteModelPackageGroup.
- ``sts_web_identity``: AssumeRoleWithWebIdentity decided by the role's trust on the token's claims (OIDC federation).
- ``api_model``: requests to the operations added here, checked against botocore's model of the API.
- ``git_host``: the Git provider behind CodeConnections, as bare repositories under one folder.
- ``seed_executor``: the bridge to the pipeline executor that ships in the model-build seed repo.

Every stand-in says in its docstring what it stands in for and what it does not do.
May import: ``products.analysis`` and this package. Never publishing, rendering or the demo.
"""
