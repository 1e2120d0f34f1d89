"""Events in the shapes AWS documents, for routing through a project's rules.

Used by the tests (and the local demo) instead of EventBridge's TestEventPattern, which
moto does not implement. Shapes: "CodeCommit Repository State Change" (CodeCommit user
guide, monitoring events), "SageMaker Model Package State Change" and "SageMaker Model
Building Pipeline Execution Status Change" (SageMaker developer guide, events SageMaker sends
to EventBridge), "CodePipeline Pipeline Execution State Change" (CodePipeline user guide,
pipeline-level events).
"""

import json
import uuid


def _envelope(source: str, detail_type: str, resources: list[str], detail: dict, account: str, region: str, time: str) -> dict:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": time,
        "region": region,
        "resources": resources,
        "detail": detail,
    }


def codecommit_reference_event(
    repository: str,
    reference: str,
    event: str = "referenceUpdated",
    reference_type: str = "branch",
    account: str = "123456789012",
    region: str = "us-east-1",
    time: str = "2026-01-01T00:00:00Z",
    commit_id: str = "3e5983ee0d3e58bc5e6a4f2c8e6a4e20c9f2c0aa",
    old_commit_id: str = "0b2a5a1a7b7f4dd5bd1f5c2f1e0b62a4a7c8f1d2",
    repository_id: str = "12345678-1234-5678-abcd-12345678abcd",
) -> dict:
    """A push (``referenceUpdated``), new branch or tag (``referenceCreated``) or deletion."""
    prefix = "refs/heads/" if reference_type == "branch" else "refs/tags/"
    detail = {
        "event": event,
        "repositoryName": repository,
        "repositoryId": repository_id,
        "referenceType": reference_type,
        "referenceName": reference,
        "referenceFullName": prefix + reference,
        "commitId": commit_id,
    }
    if event == "referenceUpdated":
        detail["oldCommitId"] = old_commit_id
    if event == "referenceDeleted":  # a deleted reference has only the commit it pointed at
        detail["oldCommitId"] = detail.pop("commitId")
    return _envelope(
        "aws.codecommit",
        "CodeCommit Repository State Change",
        [f"arn:aws:codecommit:{region}:{account}:{repository}"],
        detail,
        account,
        region,
        time,
    )


def model_package_state_event(
    group: str,
    version: int,
    approval_status: str,
    account: str = "123456789012",
    region: str = "us-east-1",
    time: str = "2026-01-01T00:00:00Z",
    inference_specification: dict | None = None,
    creation_time_ms: int = 1767225600000,
) -> dict:
    """A model package created or changed; ``approval_status`` is its status afterwards."""
    package_arn = f"arn:aws:sagemaker:{region}:{account}:model-package/{group.lower()}/{version}"
    detail = {
        "ModelPackageGroupName": group,
        "ModelPackageVersion": version,
        "ModelPackageName": f"{group}/{version}",
        "ModelPackageArn": package_arn,
        "CreationTime": creation_time_ms,
        "ModelPackageStatus": "Completed",
        "ModelApprovalStatus": approval_status,
        "InferenceSpecification": inference_specification or {
            "Containers": [{"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    }
    return _envelope(
        "aws.sagemaker", "SageMaker Model Package State Change", [package_arn], detail, account, region, time
    )


def codepipeline_execution_event(
    pipeline: str,
    state: str,
    execution_id: str = "01234567-89ab-cdef-0123-456789abcdef",
    account: str = "123456789012",
    region: str = "us-east-1",
    time: str = "2026-01-01T00:00:00Z",
    trigger_type: str = "CloudWatchEvent",
) -> dict:
    """A pipeline execution changed state (STARTED, SUCCEEDED, FAILED, ...)."""
    detail = {"pipeline": pipeline, "execution-id": execution_id, "execution-trigger": {"trigger-type": trigger_type},
              "state": state, "version": 1.0, "pipeline-execution-attempt": 1.0}
    return _envelope("aws.codepipeline", "CodePipeline Pipeline Execution State Change",
                     [f"arn:aws:codepipeline:{region}:{account}:{pipeline}"], detail, account, region, time)


def sagemaker_pipeline_execution_event(
    pipeline: str,
    execution_id: str,
    status: str,
    previous_status: str = "Executing",
    account: str = "123456789012",
    region: str = "us-east-1",
    time: str = "2026-01-01T00:00:00Z",
) -> dict:
    """A SageMaker pipeline execution changed status (Executing, Succeeded, Failed, ...).

    SageMaker ARNs carry the pipeline's name in lowercase.
    """
    pipeline_arn = f"arn:aws:sagemaker:{region}:{account}:pipeline/{pipeline.lower()}"
    execution_arn = f"{pipeline_arn}/execution/{execution_id}"
    detail = {
        "pipelineExecutionDisplayName": f"execution-{execution_id}",
        "currentPipelineExecutionStatus": status,
        "previousPipelineExecutionStatus": previous_status,
        "executionStartTime": time,
        "executionEndTime": time,
        "pipelineArn": pipeline_arn,
        "pipelineExecutionArn": execution_arn,
    }
    return _envelope("aws.sagemaker", "SageMaker Model Building Pipeline Execution Status Change",
                     [pipeline_arn, execution_arn], detail, account, region, time)


def put_events_entry(event: dict, bus: str = "default") -> dict:
    """The PutEvents entry that delivers ``event`` to a bus."""
    return {
        "Source": event["source"],
        "DetailType": event["detail-type"],
        "Resources": event["resources"],
        "Detail": json.dumps(event["detail"]),
        "EventBusName": bus,
    }
