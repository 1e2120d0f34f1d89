"""EventBridge rules that start a project's pipelines.

Patterns follow the event shapes AWS documents for CodeCommit ("CodeCommit Repository
State Change") and SageMaker ("SageMaker Model Package State Change"), and match
nothing else: tests/products/test_events.py routes documented-shape events through them.
"""

from troposphere import GetAtt, Sub, events

from products.blocks.naming import project_tags


def pipeline_arn(pipeline) -> Sub:
    """ARN of a pipeline resource (``Ref`` gives its name)."""
    return Sub("arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:${%s}" % pipeline.title)


def _rule(logical_id, name, description, pattern, pipeline, role_arn) -> events.Rule:
    return events.Rule(
        logical_id,
        Name=name,
        Description=description,
        State="ENABLED",
        EventPattern=pattern,
        Targets=[events.Target(Id="Pipeline", Arn=pipeline_arn(pipeline), RoleArn=role_arn)],
        Tags=project_tags(),
    )


def branch_push_rule(logical_id, name, repository, branch: str, pipeline, role_arn) -> events.Rule:
    """Start a pipeline when ``branch`` of ``repository`` is created or moves.

    Deleting the branch, pushing a tag or another branch starts nothing.
    """
    pattern = {
        "source": ["aws.codecommit"],
        "detail-type": ["CodeCommit Repository State Change"],
        "resources": [GetAtt(repository, "Arn")],
        "detail": {
            "event": ["referenceCreated", "referenceUpdated"],
            "referenceType": ["branch"],
            "referenceName": [branch],
        },
    }
    return _rule(logical_id, name, f"Start the pipeline on a push to {branch}", pattern, pipeline, role_arn)


DECIDED = [{"anything-but": ["PendingManualApproval"]}]


def model_approval_rule(logical_id, name, model_package_group_name, pipeline, role_arn, statuses=None) -> events.Rule:
    """Start a pipeline when a package of the group is approved or rejected (or: gets one of ``statuses``).

    A rejection also redeploys, so that the endpoints fall back to the latest package
    that is still approved. Only packages of this account and region count: a bus that
    receives forwarded events must not deploy another account's same-named group.
    """
    pattern = {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        "resources": [
            {"prefix": Sub("arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:model-package/")}
        ],
        "detail": {
            "ModelPackageGroupName": [model_package_group_name],
            "ModelApprovalStatus": statuses or DECIDED,
        },
    }
    return _rule(
        logical_id,
        name,
        "Start the deploy pipeline when a model package's approval status is decided",
        pattern,
        pipeline,
        role_arn,
    )
