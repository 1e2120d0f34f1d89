"""What a stage file may say for each kind of endpoint, and what AWS refuses for each.

A stage is served one of three ways (its file's ``EndpointType``; ``realtime`` when absent):

- ``realtime``: instances that run, and bill, around the clock.
- ``serverless``: no instances; SageMaker runs the model on demand and bills per request, nothing
  while idle. AWS excludes features from it (SageMaker developer guide, Serverless Inference,
  "Feature exclusions"): GPUs, Marketplace model packages, private Docker registries,
  multi-model endpoints, VPC configuration, network isolation, data capture, multiple
  production variants, Model Monitor, inference pipelines. An endpoint on instances (realtime
  or async) cannot be updated to serverless (SageMaker answers ValidationError); the reverse
  is one-way.
- ``async``: instances that take requests from S3 and write answers to S3; with autoscaling
  they scale to zero instances while no request waits (SageMaker developer guide, Asynchronous
  Inference, "Autoscale an asynchronous endpoint").

``check_stage_parameters`` refuses a field that does not apply to the stage's type, naming the
AWS feature when AWS would refuse it (``REFUSED_BY_AWS``) or why this repo does not offer it
(``NOT_OFFERED``), before build.py makes any AWS call.
"""

import re

REALTIME, SERVERLESS, ASYNC = "realtime", "serverless", "async"
TYPES = (REALTIME, SERVERLESS, ASYNC)
ASYNC_FOLDER = "async-inference"  # s3://<bucket>/async-inference/<stage>/{input,output,failure}/
SERVERLESS_MEMORY_SIZES = (1024, 2048, 3072, 4096, 5120, 6144)  # ProductionVariantServerlessConfig.MemorySizeInMB


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _whole(low: int, high: int | None = None):
    if high is None:
        return lambda v: _is_int(v) and v >= low, f"a whole number of at least {low}"
    return lambda v: _is_int(v) and low <= v <= high, f"a whole number from {low} to {high}"


_BOOLEAN = (lambda v: isinstance(v, bool), "true or false")

# Every field a stage file may set, with its check and what the check expects.
FIELDS = {
    "EndpointType": (lambda v: v in TYPES, f"one of {', '.join(TYPES)}"),
    "EndpointInstanceType": (lambda v: isinstance(v, str) and re.fullmatch(r"ml\.[a-z0-9]+\.[a-z0-9]+", v),
                             "an instance type such as ml.m5.large"),
    "EndpointInstanceCount": _whole(1),
    "SamplingPercentage": _whole(0, 100),
    "EnableAutoScaling": _BOOLEAN,
    "MinCapacity": _whole(1),
    "MaxCapacity": _whole(1),
    "TargetInvocationsPerInstance": _whole(1),
    "TargetBacklogPerInstance": _whole(1),
    "EnableDeploymentGuardrail": _BOOLEAN,
    "ServerlessMemorySizeInMB": (lambda v: v in SERVERLESS_MEMORY_SIZES,
                                 f"one of {', '.join(map(str, SERVERLESS_MEMORY_SIZES))}"),
    "ServerlessMaxConcurrency": _whole(1, 200),
}

_INSTANCES = ("EndpointInstanceType", "EndpointInstanceCount", "SamplingPercentage", "EnableAutoScaling",
              "MinCapacity", "MaxCapacity")
# The fields each type takes; every one is required (EndpointType itself is optional).
TYPE_FIELDS = {
    REALTIME: (*_INSTANCES, "TargetInvocationsPerInstance", "EnableDeploymentGuardrail"),
    ASYNC: (*_INSTANCES, "TargetBacklogPerInstance", "EnableDeploymentGuardrail"),
    SERVERLESS: ("ServerlessMemorySizeInMB", "ServerlessMaxConcurrency"),
}

_SERVERLESS_EXCLUSIONS = "Serverless Inference feature exclusions"
# (type, field) -> why AWS refuses the field's feature for that type, with the AWS page that says so.
REFUSED_BY_AWS = {
    (SERVERLESS, "SamplingPercentage"): f"AWS excludes data capture from serverless endpoints ({_SERVERLESS_EXCLUSIONS})",
    (SERVERLESS, "EndpointInstanceType"): "serverless endpoints have no instances (and AWS excludes GPUs from "
                                          f"them, {_SERVERLESS_EXCLUSIONS}); set ServerlessMemorySizeInMB",
    (SERVERLESS, "EndpointInstanceCount"): "serverless endpoints have no instances; set ServerlessMaxConcurrency",
    (SERVERLESS, "EnableAutoScaling"): "serverless endpoints scale by themselves, up to ServerlessMaxConcurrency; "
                                       "instance autoscaling does not apply",
}
# (type, field) -> why this repo does not offer the field's feature for that type, though AWS may allow it.
NOT_OFFERED = {
    (SERVERLESS, "EnableDeploymentGuardrail"): "this repo deploys serverless endpoints without the canary guardrail: "
                                               "AWS documents deployment guardrails for real-time and asynchronous "
                                               "endpoints, and excludes serverless ones from rolling deployments "
                                               "(Deployment guardrails, Exclusions)",
}
# Scaling in to zero instances is for async endpoints only (no request can wait for an instance otherwise).
MIN_CAPACITY_ZERO = ASYNC


def check_stage_parameters(parameters: dict) -> tuple[str, str] | None:
    """The first field that is wrong, and what is wrong with it; None when the stage's parameters are right."""
    for name in parameters:
        if name not in FIELDS:
            return name, f"unknown; expected one of {', '.join(FIELDS)}"
    kind = parameters.get("EndpointType", REALTIME)
    if kind not in TYPES:
        return "EndpointType", f"expected {FIELDS['EndpointType'][1]}, got {kind!r}"
    for name in parameters:
        if name != "EndpointType" and name not in TYPE_FIELDS[kind]:
            return name, _not_for(kind, name)
    for name in TYPE_FIELDS[kind]:
        check, expected = FIELDS[name]
        if name not in parameters:
            return name, f"missing for a {kind} endpoint; expected {expected}"
        allowed_zero = name == "MinCapacity" and kind == MIN_CAPACITY_ZERO and _is_int(parameters[name]) \
            and parameters[name] == 0
        if not (check(parameters[name]) or allowed_zero):
            return name, f"expected {expected}{' (0 for an async endpoint)' if name == 'MinCapacity' else ''}, " \
                         f"got {parameters[name]!r}"
    if kind != SERVERLESS and parameters["MaxCapacity"] < max(parameters["MinCapacity"], 1):
        return "MaxCapacity", f"expected at least MinCapacity ({parameters['MinCapacity']}) and at least 1"
    return None


def _not_for(kind: str, name: str) -> str:
    if (kind, name) in REFUSED_BY_AWS or (kind, name) in NOT_OFFERED:
        return f"not for a {kind} endpoint: {REFUSED_BY_AWS.get((kind, name)) or NOT_OFFERED[kind, name]}"
    takers = [t for t in TYPES if name in TYPE_FIELDS[t]]
    return f"not for a {kind} endpoint: it applies to {' and '.join(takers)} endpoints"


def summary(parameters: dict) -> str:
    """How a stage is served, in a few words (build.py's output)."""
    kind = parameters.get("EndpointType", REALTIME)
    if kind == SERVERLESS:
        return f"serverless, {parameters['ServerlessMemorySizeInMB']} MB, up to {parameters['ServerlessMaxConcurrency']} " \
               "concurrent requests"
    scaling = f", autoscaling {parameters['MinCapacity']}-{parameters['MaxCapacity']}" if parameters["EnableAutoScaling"] else ""
    return f"{kind}, {parameters['EndpointInstanceCount']} x {parameters['EndpointInstanceType']}{scaling}"
