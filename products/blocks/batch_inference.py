"""The batch half of a project: score data with the latest approved model on a schedule.

No endpoint: on every approval, a CodeBuild build upserts the project's batch SageMaker
pipeline (``sagemaker-<project>-batch``, defined in the model-build repo) with the newly
approved model and runs it once; an EventBridge Scheduler schedule starts the same
pipeline on the project's schedule, dating its output with the scheduled time.
"""

import json
from dataclasses import dataclass

from troposphere import Parameter, Ref, Sub, Template, codebuild, codepipeline as cp, events, s3, scheduler

from products.blocks import build_contract as contract
from products.blocks.events import model_approval_rule
from products.blocks.iam import RoleNames
from products.blocks.model_build import sagemaker_pipeline_runner
from products.blocks.naming import model_package_group_name, project_resource_name, project_tags

SCHEDULE_PARAMETER = "BatchScheduleExpression"
DEFAULT_SCHEDULE = "cron(0 3 * * ? *)"
# A universal target: Scheduler calls the SageMaker API itself, so the payload may carry the
# scheduled time (EventBridge Scheduler User Guide, "Adding context attributes").
START_PIPELINE_TARGET = "arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution"
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
BATCH_TIME_PARAMETER = "BatchTime"


@dataclass(frozen=True)
class BatchInference:
    project: codebuild.Project
    pipeline: cp.Pipeline
    approval_rule: events.Rule
    schedule_group: scheduler.ScheduleGroup
    schedule: scheduler.Schedule

    @property
    def resources(self) -> list:
        return [self.project, self.pipeline, self.approval_rule, self.schedule_group, self.schedule]


def batch_pipeline_name() -> Sub:
    """``sagemaker-<name>-<id>-batch``: the SageMaker pipeline the build upserts and the schedule starts."""
    return project_resource_name("batch")


def add_schedule_parameter(template: Template) -> Ref:
    template.add_parameter(Parameter(
        SCHEDULE_PARAMETER,
        Type="String",
        Default=DEFAULT_SCHEDULE,
        Description="When to score new data with the latest approved model: an EventBridge Scheduler "
                    "cron() or rate() expression, in UTC (default: daily at 03:00).",
        AllowedPattern=r"^(cron\(.+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$",
    ))
    return Ref(SCHEDULE_PARAMETER)


def start_batch_request() -> Sub:
    """The StartPipelineExecution request the schedule sends (its Input).

    ClientRequestToken is required by the API (SDKs fill it in; a universal target's payload is
    the request as sent), 32 to 128 characters: one per scheduled time, so a retried attempt of
    the same firing cannot start a second run.
    """
    request = {
        "PipelineName": "${PipelineName}",
        "ClientRequestToken": f"scheduled-batch-{SCHEDULED_TIME}",
        "PipelineExecutionDescription": "Scheduled batch inference",
        "PipelineParameters": [{"Name": BATCH_TIME_PARAMETER, "Value": SCHEDULED_TIME}],
    }
    return Sub(json.dumps(request, sort_keys=True), PipelineName=batch_pipeline_name())


def batch_inference(roles: RoleNames, bucket: s3.Bucket, source: cp.Actions, schedule, group_name=None) -> BatchInference:
    """Approval -> build (upsert and run the batch pipeline); a schedule runs it again."""
    group_name = group_name or model_package_group_name()
    runner = sagemaker_pipeline_runner(
        "BatchInference", "modelbatch",
        "Upserts the batch inference pipeline for the latest approved model and runs it once",
        "RunBatchInference", contract.MODEL_BUILD.buildspecs["batch-inference.yml"], batch_pipeline_name(),
        roles, bucket, source, group_name,
    )
    project, batch_pipeline = runner.project, runner.pipeline
    # A rejection changes nothing here: the schedule keeps scoring with the pipeline's model.
    approval_rule = model_approval_rule(
        "BatchApprovalRule", project_resource_name("batch"), group_name, batch_pipeline, roles.arn("events"),
        statuses=["Approved"],
    )
    group = scheduler.ScheduleGroup("BatchScheduleGroup", Name=project_resource_name(), Tags=project_tags())
    schedule = scheduler.Schedule(
        "BatchSchedule",
        Name=project_resource_name("batch"),
        GroupName=Ref(group),
        Description="Scores new data with the latest approved model (the project's batch pipeline)",
        ScheduleExpression=schedule,
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow=scheduler.FlexibleTimeWindow(Mode="OFF"),
        State="ENABLED",
        Target=scheduler.Target(
            Arn=START_PIPELINE_TARGET,
            RoleArn=roles.arn("events"),
            Input=start_batch_request(),
            # Before the first approval the pipeline does not exist; retrying would not create it.
            RetryPolicy=scheduler.RetryPolicy(MaximumRetryAttempts=0),
        ),
    )
    return BatchInference(project, batch_pipeline, approval_rule, group, schedule)
