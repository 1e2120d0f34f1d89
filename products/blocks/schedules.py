"""EventBridge Scheduler schedules that start a project's SageMaker pipelines.

A schedule's target is a universal target: Scheduler calls SageMaker's StartPipelineExecution
itself, with the schedule's Input as the request, so the payload may carry the scheduled time
(EventBridge Scheduler User Guide, "Adding context attributes"). The pipeline receives it as a
parameter, to date its output or its window.
"""

import json

from troposphere import Parameter, Ref, Sub, Template, scheduler

from products.blocks.naming import project_resource_name, project_tags

START_PIPELINE_TARGET = "arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution"
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
EXPRESSION_PATTERN = r"^(cron\(.+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$"


def add_schedule_parameter(template: Template, name: str, default: str, what: str) -> Ref:
    """A project parameter holding a Scheduler expression, ``what`` saying what it schedules."""
    template.add_parameter(Parameter(
        name,
        Type="String",
        Default=default,
        Description=f"When to {what}: an EventBridge Scheduler cron() or rate() expression, in UTC.",
        AllowedPattern=EXPRESSION_PATTERN,
    ))
    return Ref(name)


def project_schedule_group() -> scheduler.ScheduleGroup:
    """``sagemaker-<name>-<id>``: the project's schedules; a schedule takes no tags, its group does."""
    return scheduler.ScheduleGroup("ProjectScheduleGroup", Name=project_resource_name(), Tags=project_tags())


def start_pipeline_request(pipeline_name, time_parameter: str, description: str) -> Sub:
    """The StartPipelineExecution request a schedule sends (its Input).

    ClientRequestToken is required by the API (SDKs fill it in; a universal target's payload is
    the request as sent), 32 to 128 characters: one per pipeline and scheduled time, so a retried
    attempt of the same firing cannot start a second run.
    """
    request = {
        "PipelineName": "${PipelineName}",
        "ClientRequestToken": f"scheduled-{time_parameter}-{SCHEDULED_TIME}",
        "PipelineExecutionDescription": description,
        "PipelineParameters": [{"Name": time_parameter, "Value": SCHEDULED_TIME}],
    }
    return Sub(json.dumps(request, sort_keys=True), PipelineName=pipeline_name)


def pipeline_schedule(logical_id: str, group: scheduler.ScheduleGroup, name: str, description: str, expression,
                      pipeline_name, time_parameter: str, role_arn) -> scheduler.Schedule:
    """Start ``pipeline_name`` on ``expression`` (UTC) with ``time_parameter`` set to the scheduled time.

    The schedule is ``name`` in the project's group: names are unique per group, and the group's
    name carries the project's (``sagemaker-<name>-<id>/monitor``), which a 64-character schedule
    name could not also hold. Before the pipeline exists (a build upserts it) a firing fails;
    retrying would not create it.
    """
    return scheduler.Schedule(
        logical_id,
        Name=name,
        GroupName=Ref(group),
        Description=description,
        ScheduleExpression=expression,
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow=scheduler.FlexibleTimeWindow(Mode="OFF"),
        State="ENABLED",
        Target=scheduler.Target(
            Arn=START_PIPELINE_TARGET,
            RoleArn=role_arn,
            Input=start_pipeline_request(pipeline_name, time_parameter, description),
            RetryPolicy=scheduler.RetryPolicy(MaximumRetryAttempts=0),
        ),
    )
