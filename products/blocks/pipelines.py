"""CodePipeline V2 pipelines and the actions our products use."""

from troposphere import Ref, codepipeline as cp

from products.blocks.naming import project_tags


def _action(name, category, provider, configuration, inputs=(), outputs=(), run_order=1, role_arn=None):
    action = cp.Actions(
        Name=name,
        ActionTypeId=cp.ActionTypeId(Category=category, Owner="AWS", Provider=provider, Version="1"),
        Configuration=configuration,
        RunOrder=run_order,
    )
    if inputs:
        action.InputArtifacts = [cp.InputArtifacts(Name=artifact) for artifact in inputs]
    if outputs:
        action.OutputArtifacts = [cp.OutputArtifacts(Name=artifact) for artifact in outputs]
    if role_arn is not None:
        action.RoleArn = role_arn
    return action


def codecommit_source(repository_name, branch: str, output: str) -> cp.Actions:
    """Checkout of ``branch``; EventBridge starts the pipeline, so no polling."""
    return _action(
        "Source",
        "Source",
        "CodeCommit",
        {"RepositoryName": repository_name, "BranchName": branch, "PollForSourceChanges": False},
        outputs=[output],
    )


def connection_source(connection_arn, repository_full_name, branch, output: str) -> cp.Actions:
    """Checkout through a CodeConnections connection (GitHub, GitHub Enterprise, GitLab, Bitbucket).

    The pipeline's push trigger starts it, so the action itself does not detect changes.
    """
    return _action(
        "Source",
        "Source",
        "CodeStarSourceConnection",
        {
            "ConnectionArn": connection_arn,
            "FullRepositoryId": repository_full_name,
            "BranchName": branch,
            "OutputArtifactFormat": "CODE_ZIP",
            "DetectChanges": False,
        },
        outputs=[output],
    )


def push_trigger(branch, source_action: str = "Source") -> cp.PipelineTriggerDeclaration:
    """A V2 trigger: start on a push to ``branch`` only (not other branches, not tags)."""
    return cp.PipelineTriggerDeclaration(
        ProviderType="CodeStarSourceConnection",
        GitConfiguration=cp.GitConfiguration(
            SourceActionName=source_action,
            Push=[cp.GitPushFilter(Branches=cp.GitBranchFilterCriteria(Includes=[branch]))],
        ),
    )


def codebuild_action(name: str, project, inputs: list[str], outputs: list[str] = ()) -> cp.Actions:
    """Run a CodeBuild project; the first input is its primary source."""
    configuration = {"ProjectName": Ref(project)}
    if len(inputs) > 1:
        configuration["PrimarySource"] = inputs[0]
    return _action(name, "Build", "CodeBuild", configuration, inputs=inputs, outputs=outputs)


def cloudformation_deploy(name: str, stack_name, template_path: str, configuration_path: str, role_arn) -> cp.Actions:
    """Create or update ``stack_name`` from build artifacts, as ``role_arn``."""
    return _action(
        name,
        "Deploy",
        "CloudFormation",
        {
            "ActionMode": "CREATE_UPDATE",
            "StackName": stack_name,
            "TemplatePath": template_path,
            "TemplateConfiguration": configuration_path,
            "RoleArn": role_arn,
        },
        inputs=[template_path.split("::", 1)[0]],
    )


def manual_approval(name: str, message: str) -> cp.Actions:
    """A gate a person must approve in the console or with the API."""
    return _action(name, "Approval", "Manual", {"CustomData": message})


def pipeline(logical_id: str, name, role_arn, artifact_bucket, stages: list[tuple[str, list[cp.Actions]]], triggers=None,
             encryption_key=None) -> cp.Pipeline:
    """A V2 pipeline; each stage is ``(name, actions)``.

    SUPERSEDED execution mode: a newer source or approval event replaces an execution
    still waiting, so the deploy pipeline always promotes the latest approved model.
    ``encryption_key``: the artifacts' key (an expression that may be AWS::NoValue); without it
    CodePipeline encrypts them with S3's AWS-managed key, which no other account can use.
    """
    resource = cp.Pipeline(
        logical_id,
        Name=name,
        PipelineType="V2",
        ExecutionMode="SUPERSEDED",
        RoleArn=role_arn,
        RestartExecutionOnUpdate=False,
        ArtifactStore=cp.ArtifactStore(Type="S3", Location=Ref(artifact_bucket),
                                       **({"EncryptionKey": encryption_key} if encryption_key is not None else {})),
        Stages=[cp.Stages(Name=stage_name, Actions=actions) for stage_name, actions in stages],
        Tags=project_tags(),
    )
    if triggers:
        resource.Triggers = triggers
    return resource
