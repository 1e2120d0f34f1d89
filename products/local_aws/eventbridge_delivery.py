"""EventBridge delivering a matched event to its rule's targets, as the target's role or resource policy allows.

moto matches events against rules and delivers only to log groups, archives, SQS queues and other buses; a
CodePipeline, SageMaker pipeline or Lambda target raised NotImplementedError and started nothing. Installed in
the moto_server process, a matched event on an ENABLED rule is delivered here, asynchronously as EventBridge
delivers (in a thread of its own), for these targets:

- **CodePipeline** (``arn:aws:codepipeline:...:NAME``): EventBridge assumes the target's ``RoleArn`` (its trust
  must name ``events.amazonaws.com``) and calls ``codepipeline:StartPipelineExecution`` as that role; the
  execution's trigger is ``CloudWatchEvent`` with the rule's ARN (codepipeline_runs.start).
- **SageMaker pipeline** (``arn:aws:sagemaker:...:pipeline/NAME``): as the target's role,
  ``sagemaker:StartPipelineExecution`` with the target's ``SageMakerPipelineParameters``.
- **Lambda** (``arn:aws:lambda:...:function:NAME``): the function's resource policy must allow
  ``events.amazonaws.com`` ``lambda:InvokeFunction`` from the rule (``aws:SourceArn``); the function runs
  asynchronously with the event (lambda_runtime.py).

The event is the matched event, or the target's ``Input`` (constant JSON), ``InputPath`` or ``InputTransformer``.
A delivery that fails is what EventBridge reports for it: the rule's ``FailedInvocations`` metric (namespace
``AWS/Events``, dimension ``RuleName``) and one line on the emulator's stderr naming the rule, the target and why;
each delivery counts in ``Invocations``, each matched event in ``MatchedEvents`` (counted before the call that sent
the event answers; in AWS metrics arrive within minutes). AWS retries a failed delivery for up to 24 hours; here it is not retried.

PutTargets (and so a stack's ``AWS::Events::Rule``) refuses a CodePipeline, CodeBuild, Step Functions, Kinesis or
SageMaker pipeline target without ``RoleArn``, with EventBridge's ValidationException "RoleArn is required for
target ARN." (quoted in awsdocs/aws-codepipeline-user-guide#18 and the CloudFormation user guide's #1178).

Not emulated: retries, dead-letter queues, ``HttpParameters``, targets of other kinds than moto's and these.
"""

import copy
import datetime
import json
import sys
import threading

from products.analysis.iam_evaluator import resource_policy_allows
from products.analysis.iam_resources import Authorization
from products.local_aws import iam as emulated_iam

EVENTS_PRINCIPAL = "events.amazonaws.com"
# Target services EventBridge reaches with the target's role (identity-based), not a resource policy.
ROLE_TARGETS = ("codepipeline", "codebuild", "states", "kinesis", "sagemaker")


class DeliveryFailed(Exception):
    """EventBridge could not deliver the event to the target; the message says why."""


def _service(arn: str) -> str:
    return arn.split(":")[2]


def as_sent(event: dict) -> dict:
    """The event as EventBridge sends it: ``time`` in ISO 8601 (moto keeps a Unix time), no moto-only fields."""
    sent = {k: v for k, v in event.items() if k != "ingestion-time"}
    if isinstance(sent.get("time"), (int, float)):
        sent["time"] = datetime.datetime.fromtimestamp(sent["time"], datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return sent


def target_event(target: dict, event: dict) -> dict:
    """What the target receives: the matched event, or the target's Input, InputPath or InputTransformer."""
    from moto.events.models import EventTemplateParser

    if "InputTransformer" in target:  # moto's parser reads the event as moto keeps it (ingestion-time included)
        transformer = target["InputTransformer"]
        return EventTemplateParser.parse(input_template=transformer.get("InputTemplate"),
                                         input_paths_map=transformer.get("InputPathsMap", {}), event=event)
    event = as_sent(event)
    if "Input" in target:
        return json.loads(target["Input"])
    if target.get("InputPath"):
        value = event
        for key in target["InputPath"].removeprefix("$").strip(".").split("."):
            value = value.get(key) if key and isinstance(value, dict) else value
        return value
    return event


def _as_target_role(rule, target: dict, action: str, resource: str) -> None:
    """EventBridge assumes the target's role (its trust names events.amazonaws.com) and calls as it."""
    role = target.get("RoleArn", "")
    try:
        emulated_iam.check_trust(EVENTS_PRINCIPAL, role)
        emulated_iam.check(role.split(":")[4], role, [Authorization(action, resource)], caller=f"events:{rule.arn}")
    except emulated_iam.RoleDenied as denied:
        raise DeliveryFailed(str(denied)) from None


def to_codepipeline(rule, target: dict, event: dict) -> None:
    from products.local_aws import api_model, codepipeline_runs

    arn = target["Arn"]
    _as_target_role(rule, target, "codepipeline:StartPipelineExecution", arn)
    _, _, _, region, account, name = arn.split(":", 5)
    try:
        codepipeline_runs.start(account, region, name, {"triggerType": "CloudWatchEvent", "triggerDetail": rule.arn})
    except api_model.Refused as refused:
        raise DeliveryFailed(str(refused)) from None


def to_sagemaker_pipeline(rule, target: dict, event: dict) -> None:
    from moto.sagemaker.models import sagemaker_backends

    arn = target["Arn"]
    _as_target_role(rule, target, "sagemaker:StartPipelineExecution", arn)
    _, _, _, region, account, resource = arn.split(":", 5)
    parameters = target.get("SageMakerPipelineParameters", {}).get("PipelineParameterList", [])
    backend = sagemaker_backends[account][region]
    name = next((p.pipeline_name for p in backend.pipelines.values() if p.arn.lower() == arn.lower()), None)
    if name is None:
        raise DeliveryFailed(f"the pipeline {resource} does not exist")
    backend.start_pipeline_execution(name, f"eventbridge-{rule.name}"[:82], parameters, f"Started by {rule.arn}",
                                     None, None)


def to_lambda(rule, target: dict, event: dict) -> None:
    from moto.awslambda.exceptions import UnknownFunctionException
    from moto.awslambda.models import lambda_backends

    arn = target["Arn"]
    _, _, _, region, account, resource = arn.split(":", 5)
    backend = lambda_backends[account][region]
    try:
        function = backend.get_function(arn)
    except UnknownFunctionException:
        raise DeliveryFailed(f"the function {resource} does not exist") from None
    try:
        policy = json.loads(json.loads(backend.get_policy(function.function_name))["Policy"])  # GetPolicy's answer
    except Exception:  # noqa: BLE001 - moto raises for a function without a policy: nothing allows the call
        policy = {"Statement": []}
    decision = resource_policy_allows(policy, EVENTS_PRINCIPAL, "lambda:InvokeFunction", function.function_arn,
                                      {"aws:SourceArn": rule.arn, "aws:SourceAccount": rule.account_id})
    if not decision.allowed:
        raise DeliveryFailed(f"the resource policy of {function.function_arn} does not allow {EVENTS_PRINCIPAL} "
                             f"lambda:InvokeFunction from {rule.arn} ({decision.reason})")
    payload, errored, _logs = function._invoke_lambda(event=json.dumps(event))
    if errored:  # an asynchronous invocation's error is the function's, logged; EventBridge delivered it
        print(f"eventbridge: {function.function_name} failed on the event of rule {rule.name}: {payload}",
              file=sys.stderr)


DELIVERIES = {"codepipeline": to_codepipeline, "sagemaker": to_sagemaker_pipeline, "lambda": to_lambda}


def _metric(rule, name: str) -> None:
    from moto.cloudwatch.models import cloudwatch_backends

    cloudwatch_backends[rule.account_id][rule.region_name].put_metric_data(
        "AWS/Events", [{"MetricName": name, "Value": 1.0, "Unit": "Count",
                        "Dimensions": [{"Name": "RuleName", "Value": rule.name}]}])


def deliver(rule, target: dict, event: dict) -> None:
    """One delivery, counted in the rule's metrics; a failure is reported, never raised (nobody waits for it)."""
    _metric(rule, "Invocations")
    try:
        DELIVERIES[_service(target["Arn"])](rule, target, target_event(target, event))
    except Exception as error:  # noqa: BLE001 - a failed delivery is a metric and a line, as in EventBridge
        _metric(rule, "FailedInvocations")
        reason = str(error) if isinstance(error, DeliveryFailed) else f"{type(error).__name__}: {error}"
        print(f"eventbridge: rule {rule.name} could not deliver to {target['Arn']}: {reason}", file=sys.stderr)


def missing_role(targets: list[dict]) -> str | None:
    """The first target that EventBridge reaches by its role but names none, as PutTargets' refusal."""
    for target in targets:
        if _service(target["Arn"]) in ROLE_TARGETS and not target.get("RoleArn"):
            return f"RoleArn is required for target {target['Arn']}."
    return None


def install() -> None:
    """Patch moto (in this process): rules deliver to the targets above; PutTargets refuses a missing RoleArn."""
    from moto.events.exceptions import ValidationException
    from moto.events.models import EventsBackend, Rule

    send, put_targets = Rule.send_to_targets, EventsBackend.put_targets
    if getattr(send, "local_aws", False):
        return

    def send_to_targets(self, original_event, transform_input=True):
        if self.state != "ENABLED" or not self.event_pattern.matches_event(original_event):
            return
        _metric(self, "MatchedEvents")  # at once: a caller can tell whether a rule matched before it delivers
        ours = [t for t in self.targets if _service(t["Arn"]) in DELIVERIES]
        others = [t for t in self.targets if t not in ours]
        for target in ours:
            threading.Thread(target=deliver, args=(self, target, original_event), daemon=True,
                             name=f"eventbridge-{self.name}-{target['Id']}").start()
        for target in others:  # moto's own kinds, each on a copy of the rule that names only it
            theirs = copy.copy(self)
            theirs.targets = [target]
            try:
                send(theirs, original_event, transform_input)
            except Exception as error:  # noqa: BLE001 - a failed delivery never fails the call that sent the event
                _metric(self, "FailedInvocations")
                print(f"eventbridge: rule {self.name} could not deliver to {target['Arn']}: {type(error).__name__}: "
                      f"{error}", file=sys.stderr)

    def checked_put_targets(self, name, event_bus_arn, targets):
        problem = missing_role(targets)
        if problem:
            raise ValidationException(problem)
        return put_targets(self, name, event_bus_arn, targets)

    send_to_targets.local_aws = True
    Rule.send_to_targets = send_to_targets
    EventsBackend.put_targets = checked_put_targets
