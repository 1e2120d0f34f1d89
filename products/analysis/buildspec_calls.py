"""The AWS calls a buildspec makes, read from its commands without running them.

For a build that cannot run on this machine (``docker build`` needs a Docker daemon and
privileged mode), its role is checked against what the commands would ask IAM for:

- ``aws <service> <command> --option value``: the operation the AWS CLI sends (the service's
  API model names it; ``ecr get-login-password`` and ``wait`` are the CLI's own commands, read
  as the call they make), with its parameters, authorized as ``iam_resources`` says;
- ``docker push URI`` and ``docker build --build-arg BASE_IMAGE=URI``: the ECR registry calls
  Docker makes to push to or pull from the repository the URI names (ECR User Guide, "IAM
  permissions for pushing an image", and the pull permissions of private repository policies).

Variables are expanded from ``variables``; a command this module cannot read raises
``UnreadableCommand`` (it is never passed over). Shell syntax handled: one command per line, ``|``
pipelines, ``NAME=value`` assignments whose ``$(command)`` substitutions are read like any command
(the value itself comes from ``variables``), ``$NAME``, ``${NAME}``, ``${NAME%%/*}`` and ``${NAME##*/}``.
``silent`` names commands the caller vouches make no AWS call (a seed script its own tests cover).
"""

import re
import shlex
from dataclasses import dataclass

from products.analysis.iam_resources import Authorization, authorizations

_ECR_URI = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
                      r"(?P<repository>[^:@]+)(?:[:@].+)?$")
_ASSIGNMENT = re.compile(r"^([A-Z_][A-Z0-9_]*)=")
# $NAME, ${NAME}, ${NAME%%/*} (a URI's registry: before the first /) and ${NAME##*/} (an ARN's last part).
_VARIABLE = re.compile(r"\$\{([A-Za-z_]\w*)(%%/\*|##\*/)?\}|\$([A-Za-z_]\w*)")
_SUBSTITUTION = re.compile(r"\$\(([^()]*)\)")
# CLI options named otherwise than the API member (the CLI keeps --version for itself).
_CLI_RENAMES = {"version-number": "Version"}
# Commands that call no AWS API themselves.
_SILENT = {"echo", "printf", "test", "[", "true", "cat"}
# The CLI's own commands: the operation each sends.
_CLI_CUSTOM = {("ecr", "get-login-password"): "GetAuthorizationToken"}
PUSH = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload",
        "ecr:PutImage", "ecr:UploadLayerPart")
PULL = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")


class UnreadableCommand(ValueError):
    """A command whose AWS calls cannot be read; the message names it."""


@dataclass(frozen=True)
class Call:
    command: str  # the buildspec line, as written
    authorization: Authorization


def _expand(text: str, variables: dict) -> str:
    def value(match):
        name = match.group(1) or match.group(3)
        if name not in variables:
            raise UnreadableCommand(f"{text!r}: ${name} has no value to check with")
        value = variables[name]
        if match.group(2) == "%%/*":
            return value.split("/", 1)[0]
        return value.rsplit("/", 1)[-1] if match.group(2) else value
    return _VARIABLE.sub(value, text)


def _repository_arn(uri: str) -> str:
    match = _ECR_URI.match(uri)
    if not match:
        raise UnreadableCommand(f"{uri!r} is not an ECR image URI")
    partition = "aws-cn" if match["region"].startswith("cn-") else "aws"
    return f"arn:{partition}:ecr:{match['region']}:{match['account']}:repository/{match['repository']}"


def _cli_call(words: list[str], region: str, account: str) -> list[Authorization]:
    """``aws SERVICE COMMAND [--key value]...`` (or ``aws SERVICE wait WAITER ...``) as IAM sees it."""
    import botocore.session

    service, command, rest = words[1], words[2], words[3:]
    session = botocore.session.get_session()
    model = session.get_service_model(service)
    if command == "wait":
        waiter = session.get_waiter_model(service).get_waiter(
            "".join(part.capitalize() for part in rest[0].split("-")))
        operation, rest = waiter.operation, rest[1:]
    elif (service, command) in _CLI_CUSTOM:
        operation = _CLI_CUSTOM[(service, command)]
    else:
        by_cli_name = {re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower(): name for name in model.operation_names}
        if command not in by_cli_name:
            raise UnreadableCommand(f"aws {service} {command}: no such operation in the {service} API model")
        operation = by_cli_name[command]
    shape = model.operation_model(operation).input_shape
    members = {re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower(): name for name in (shape.members if shape else {})}
    members.update({option: member for option, member in _CLI_RENAMES.items() if member in members.values()})
    parameters, options = {}, iter(rest)
    for word in options:
        key = word.removeprefix("--")
        if key == "region":
            region = next(options)  # the call goes to that region
        elif key in ("query", "output"):
            next(options)  # how the CLI prints the answer
        elif key in members:
            parameters[members[key]] = next(options)
        else:
            raise UnreadableCommand(f"aws {service} {command}: option {word} is not a parameter of {operation}")
    return authorizations(model.signing_name, operation, parameters, region, account)


def _docker_calls(words: list[str]) -> list[Authorization]:
    """What Docker asks ECR for: login none (the token is the CLI's call), push and the build's base image pull."""
    action = words[1]
    if action == "login":
        return []  # the token came from get-login-password
    if action == "push":
        return [Authorization(a, _repository_arn(words[2])) for a in PUSH]
    if action == "build":
        pulled = [w.split("=", 1)[1] for w in words if w.startswith("BASE_IMAGE=")]
        if not pulled:
            raise UnreadableCommand("docker build: the image it pulls is not given as --build-arg BASE_IMAGE=...")
        return [Authorization(a, _repository_arn(pulled[0])) for a in PULL]
    raise UnreadableCommand(f"docker {action}: not a docker command this check reads")


def _command_calls(command: str, variables: dict, region: str, account: str, silent=()) -> list[Authorization]:
    """One buildspec command's calls: an assignment's substitutions, or each command of a pipeline."""
    if _ASSIGNMENT.match(command):
        name = _ASSIGNMENT.match(command).group(1)
        if name not in variables:
            raise UnreadableCommand(f"{command!r}: give {name}'s value to check with")
        return [call for inner in _SUBSTITUTION.findall(command)
                for call in _command_calls(inner, variables, region, account, silent)]
    if "$(" in command:
        raise UnreadableCommand(f"{command!r}: a substitution outside an assignment is not read")
    calls = []
    for part in command.split("|"):
        words = shlex.split(_expand(part, variables))
        if not words or words[0] in _SILENT or " ".join(words) in silent:
            continue
        if words[0] == "aws":
            calls += _cli_call(words, region, account)
        elif words[0] == "docker":
            calls += _docker_calls(words)
        else:
            raise UnreadableCommand(f"{command!r}: {words[0]} is not a command this check reads")
    return calls


def buildspec_calls(spec: dict, variables: dict, region: str, account: str, silent=()) -> list[Call]:
    """Every call of every phase's commands, in order."""
    return [
        Call(command, authorization)
        for phase in spec.get("phases", {}).values()
        for command in phase.get("commands", [])
        for authorization in _command_calls(command, variables, region, account, silent)
    ]
