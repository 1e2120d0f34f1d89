"""Resolve a rendered template for one sample project, as CloudFormation would.

Tests and the local demo need the concrete values a stack would get (rule patterns,
names, environment variables) without deploying it. Supports the intrinsic functions
our templates use; anything else raises ``UnresolvableError`` rather than guessing.
"""

import re
from dataclasses import dataclass

from products.analysis.parameter_constraints import violation
from products.analysis.template_rules import broken_rules

_NO_VALUE = object()
_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


class UnresolvableError(ValueError):
    pass


@dataclass(frozen=True)
class Environment:
    account: str = "123456789012"
    region: str = "us-east-1"
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"
    stack_name: str = "SC-123456789012-pp-sampleproject"


# What Ref and Fn::GetAtt return per resource type, from the resource's resolved
# properties (the subset our templates use).
def _arn(service: str, resource: str):
    return lambda props, env: f"arn:{env.partition}:{service}:{env.region}:{env.account}:{resource.format(**props)}"


_REF = {
    "AWS::S3::Bucket": lambda props, env: props["BucketName"],
    "AWS::CodeCommit::Repository": lambda props, env: f"repo-id-{props['RepositoryName']}",
    "AWS::CodeBuild::Project": lambda props, env: props["Name"],
    "AWS::CodePipeline::Pipeline": lambda props, env: props["Name"],
    "AWS::Events::Rule": lambda props, env: props["Name"],
    "AWS::SageMaker::ModelPackageGroup": _arn("sagemaker", "model-package-group/{ModelPackageGroupName}"),
    "AWS::IAM::Role": lambda props, env: props["RoleName"],
    "AWS::CloudWatch::Alarm": lambda props, env: props["AlarmName"],
    "AWS::Lambda::Function": lambda props, env: props["FunctionName"],
    "AWS::KMS::Key": lambda props, env: "generated-key-id",
    "AWS::Scheduler::ScheduleGroup": lambda props, env: props["Name"],
    "AWS::ECR::Repository": lambda props, env: props["RepositoryName"],
    "AWS::SageMaker::Image": _arn("sagemaker", "image/{ImageName}"),  # the primary identifier: the ARN
    "AWS::Scheduler::Schedule": lambda props, env: props["Name"],
    # A scaling policy's Ref is its ARN, which Application Auto Scaling generates (an id in the middle).
    "AWS::ApplicationAutoScaling::ScalingPolicy": _arn(
        "autoscaling", "scalingPolicy:generated-id:resource/sagemaker/generated:policyName/{PolicyName}"),
}
# Resources whose Ref is an id AWS generates: a stable stand-in from the logical id.
_GENERATED_ID_PREFIX = {
    "AWS::ServiceCatalog::Portfolio": "port",
    "AWS::ServiceCatalog::CloudFormationProduct": "prod",
    "AWS::ServiceCatalog::TagOption": "tag",
    "AWS::ApplicationAutoScaling::ScalableTarget": "scalable-target",
}
_GETATT = {
    ("AWS::S3::Bucket", "Arn"): lambda props, env: f"arn:{env.partition}:s3:::{props['BucketName']}",
    ("AWS::CodeCommit::Repository", "Arn"): _arn("codecommit", "{RepositoryName}"),
    ("AWS::CodeCommit::Repository", "Name"): lambda props, env: props["RepositoryName"],
    ("AWS::Events::Rule", "Arn"): _arn("events", "rule/{Name}"),
    ("AWS::IAM::Role", "Arn"): lambda props, env: f"arn:{env.partition}:iam::{env.account}:role{props.get('Path', '/')}{props['RoleName']}",
    ("AWS::Lambda::Function", "Arn"): _arn("lambda", "function:{FunctionName}"),
    ("AWS::ECR::Repository", "Arn"): _arn("ecr", "repository/{RepositoryName}"),
    ("AWS::IAM::OIDCProvider", "Arn"):
        lambda props, env: f"arn:{env.partition}:iam::{env.account}:oidc-provider/{props['Url'].removeprefix('https://')}",
    ("AWS::ECR::Repository", "RepositoryUri"):
        lambda props, env: f"{env.account}.dkr.ecr.{env.region}.amazonaws.com/{props['RepositoryName']}",
    # KMS generates a key's id: a stand-in names the key by its logical id.
    ("AWS::KMS::Key", "Arn"): lambda props, env: f"arn:{env.partition}:kms:{env.region}:{env.account}:key/generated-key-id",
    # Names CloudFormation generates when the template sets none: a stand-in marks them.
    ("AWS::SageMaker::Model", "ModelName"): lambda props, env: props.get("ModelName", "generated-model-name"),
    ("AWS::SageMaker::EndpointConfig", "EndpointConfigName"):
        lambda props, env: props.get("EndpointConfigName", "generated-endpoint-config-name"),
    ("AWS::SageMaker::Endpoint", "EndpointName"): lambda props, env: props["EndpointName"],
}


class Resolver:
    def __init__(self, template: dict, parameters: dict | None = None, env: Environment = Environment()):
        self.template, self.env = template, env
        self.parameters = self._parameters(parameters or {})
        self._resources: dict[str, dict] = {}
        self._resolving: set[str] = set()
        self.conditions: dict[str, bool] = {}
        for name in template.get("Conditions", {}):
            self.condition(name)
        self._check_rules()

    def condition(self, name: str) -> bool:
        """A template condition's value (conditions may use others, in any order)."""
        if name not in self.conditions:
            self.conditions[name] = bool(self.value(self.template["Conditions"][name]))
        return self.conditions[name]

    def _check_rules(self) -> None:
        """Template rules, which CloudFormation checks before it creates anything."""
        broken = broken_rules(self.template, self.parameters)  # the same check the local CloudFormation makes
        if broken:
            name, description = broken[0]
            raise UnresolvableError(f"rule {name}: {description or 'assertion failed'}")

    def _parameters(self, given: dict) -> dict:
        declared = self.template.get("Parameters", {})
        unknown = set(given) - set(declared)
        if unknown:
            raise UnresolvableError(f"unknown parameters: {sorted(unknown)}")
        values = {}
        for name, spec in declared.items():
            if name in given:
                values[name] = given[name]
            elif "Default" in spec:
                values[name] = spec["Default"]
            else:
                raise UnresolvableError(f"parameter {name} has no value and no default")
            problem = violation(name, spec, values[name])
            if problem:
                raise UnresolvableError(f"{problem} (got {values[name]!r})")
        return values

    def _pseudo(self, name: str):
        return {
            "AWS::AccountId": self.env.account,
            "AWS::Region": self.env.region,
            "AWS::Partition": self.env.partition,
            "AWS::URLSuffix": self.env.url_suffix,
            "AWS::StackName": self.env.stack_name,
            "AWS::NoValue": _NO_VALUE,
        }.get(name)

    def properties(self, logical_id: str) -> dict:
        """The resolved properties of a resource."""
        if logical_id not in self._resources:
            if logical_id in self._resolving:
                raise UnresolvableError(f"circular reference through {logical_id}")
            self._resolving.add(logical_id)
            resource = self.template["Resources"][logical_id]
            self._resources[logical_id] = self.value(resource.get("Properties", {}))
            self._resolving.discard(logical_id)
        return self._resources[logical_id]

    def resources(self) -> dict:
        """``{logical id: {"Type": ..., "Properties": resolved}}`` for every resource its condition creates."""
        return {
            logical_id: {"Type": resource["Type"], "Properties": self.properties(logical_id)}
            for logical_id, resource in self.template["Resources"].items()
            if "Condition" not in resource or self.condition(resource["Condition"])
        }

    def outputs(self) -> dict:
        return {name: self.value(output["Value"]) for name, output in self.template.get("Outputs", {}).items()}

    def ref(self, name: str):
        if name in self.parameters:
            return self.parameters[name]
        pseudo = self._pseudo(name)
        if pseudo is not None:
            return pseudo
        resource = self.template["Resources"].get(name)
        if resource is None:
            raise UnresolvableError(f"Ref to unknown name {name}")
        if resource["Type"] in _GENERATED_ID_PREFIX:
            return f"{_GENERATED_ID_PREFIX[resource['Type']]}-{name.lower()}"
        handler = _REF.get(resource["Type"])
        if handler is None:
            raise UnresolvableError(f"Ref to {resource['Type']} is not supported")
        return handler(self.properties(name), self.env)

    def get_att(self, logical_id: str, attribute: str):
        resource = self.template["Resources"].get(logical_id)
        if resource is None:
            raise UnresolvableError(f"GetAtt of unknown resource {logical_id}")
        if resource["Type"].startswith("Custom::"):
            return f"<{logical_id}.{attribute}>"  # the custom resource's answer, known only at run time
        handler = _GETATT.get((resource["Type"], attribute))
        if handler is None:
            raise UnresolvableError(f"GetAtt {resource['Type']}.{attribute} is not supported")
        return handler(self.properties(logical_id), self.env)

    def _sub(self, text: str, variables: dict) -> str:
        def replace(match):
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return str(self.get_att(*name.split(".", 1)))
            return str(self.ref(name))

        return _SUB_VARIABLE.sub(replace, text).replace("${!", "${")

    def value(self, node):
        if isinstance(node, list):
            return [item for item in (self.value(item) for item in node) if item is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, argument), = node.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.get_att(logical_id, attribute)
            if key == "Fn::Sub":
                if isinstance(argument, str):
                    return self._sub(argument, {})
                text, variables = argument
                return self._sub(text, {name: self.value(value) for name, value in variables.items()})
            if key == "Fn::Join":
                separator, items = argument
                return separator.join(str(item) for item in self.value(items))
            if key == "Fn::If":
                name, when_true, when_false = argument
                return self.value(when_true if self.condition(name) else when_false)
            if key == "Fn::Equals":
                left, right = self.value(argument)
                return left == right
            if key == "Fn::Not":
                return not self.value(argument[0])
            if key == "Fn::And":
                return all(self.value(argument))
            if key == "Fn::Or":
                return any(self.value(argument))
            if key == "Condition":
                return self.condition(argument)
            if key.startswith("Fn::"):
                raise UnresolvableError(f"{key} is not supported")
        return {key: value for key, value in ((k, self.value(v)) for k, v in node.items()) if value is not _NO_VALUE}


def resolve(template: dict, parameters: dict | None = None, env: Environment = Environment()) -> Resolver:
    return Resolver(template, parameters, env)
