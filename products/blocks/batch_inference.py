"""The batch half of a project: score data with the latest approved model on a schedule.

No endpoint: on every approval, a CodeBuild build upserts the project's batch SageMaker
pipeline (``sagemaker-<project>-batch``, defined in the model-build repo) with the newly
approved model and runs it once; an EventBridge Scheduler schedule starts the same
pipeline on the project's schedule, dating its output with the scheduled time.
"""

from dataclasses import dataclass

from troposphere import Output, Sub, Template, codebuild, codepipeline as cp, events, s3, scheduler

from products.blocks import build_contract as contract
from products.blocks.events import model_approval_rule
from products.blocks.iam import RoleNames
from products.blocks.model_build import sagemaker_pipeline_runner
from products.blocks.naming import model_package_group_name, project_resource_name
from products.blocks.schedules import add_schedule_parameter, pipeline_schedule, project_schedule_group

SCHEDULE_PARAMETER = "BatchScheduleExpression"
DEFAULT_SCHEDULE = "cron(0 3 * * ? *)"
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


def batch_outputs() -> list[Output]:
    """Where a project's batch flow is found: its SageMaker pipeline, and where its predictions land."""
    return [
        Output("BatchInferencePipelineName", Value=batch_pipeline_name(),
               Description="The SageMaker pipeline that scores data (created at the first approval)"),
        Output("BatchOutputLocation", Value=Sub("s3://${ArtifactBucket}/${SageMakerProjectName}-${SageMakerProjectId}/batch-transform/"),
               Description="Where batch predictions land, by scheduled time and execution"),
    ]


def add_batch_schedule_parameter(template: Template):
    return add_schedule_parameter(template, SCHEDULE_PARAMETER, DEFAULT_SCHEDULE,
                                  "score new data with the latest approved model (default: daily at 03:00)")


def batch_inference(roles: RoleNames, bucket: s3.Bucket, source: cp.Actions, schedule, group_name=None) -> BatchInference:
    """Approval -> build (upsert and run the batch pipeline); a schedule runs it again."""
    group_name = group_name or model_package_group_name()
    runner = sagemaker_pipeline_runner(
        "BatchInference", "modelbatch",
        "Upserts the batch inference pipeline for the latest approved model and runs it once",
        "RunBatchInference", contract.MODEL_BUILD.buildspecs["batch-inference.yml"], batch_pipeline_name(),
        roles, bucket, source, group_name,
    )
    # A rejection changes nothing here: the schedule keeps scoring with the pipeline's model.
    approval_rule = model_approval_rule(
        "BatchApprovalRule", project_resource_name("batch"), group_name, runner.pipeline, roles.arn("events"),
        statuses=["Approved"],
    )
    group = project_schedule_group()
    schedule = pipeline_schedule(
        "BatchSchedule", group, "batch", "Scores new data with the latest approved model (the project's batch pipeline)",
        schedule, batch_pipeline_name(), BATCH_TIME_PARAMETER, roles.arn("events"),
    )
    return BatchInference(runner.project, runner.pipeline, approval_rule, group, schedule)
