"""AWS sessions for the publisher: standard retries, and every call counted.

Throttling is retried with botocore's standard mode, so it never fails a run that would
succeed later. A loopback endpoint (the emulator, LocalStack) is not AWS: it neither
throttles nor recovers from a 5xx by waiting, so its calls are tried twice at most and an
API it lacks is reported at once. The call log tells reads from writes, which is how the
tests prove that a publish with nothing to change writes nothing.
"""

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlparse

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError, NoCredentialsError, NoRegionError,
    ReadTimeoutError,
)

from products.catalog.config import known_regions

RETRIES = Config(retries={"mode": "standard", "max_attempts": 10}, user_agent_extra="sagemaker-mlops-catalog")
LOCAL_RETRIES = Config(
    retries={"mode": "standard", "max_attempts": 2}, connect_timeout=3, user_agent_extra="sagemaker-mlops-catalog"
)
# The first call of a run: a dead endpoint must fail in seconds, not after ten backed-off retries.
PROBE = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=5, read_timeout=15,
               user_agent_extra="sagemaker-mlops-catalog")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
READ_PREFIXES = ("Get", "Head", "List", "Describe", "Search", "Scan")
READ_ONLY = {"ValidateTemplate", "AssumeRole"}  # AssumeRole only hands out credentials: it changes nothing


class PublishError(RuntimeError):
    """A problem the user must fix; ``str()`` is the one line to show."""


class BadInput(PublishError):
    """A problem with what the user asked for (a region, a domain id): exit code 2, like a bad flag."""


def is_local(endpoint_url: str) -> bool:
    return urlparse(endpoint_url).hostname in LOOPBACK


def is_write(operation: str) -> bool:
    return not (operation.startswith(READ_PREFIXES) or operation in READ_ONLY)


@dataclass
class CallLog:
    calls: list[str] = field(default_factory=list)  # "service:Operation", in order

    def record(self, model, **_):
        self.calls.append(f"{model.service_model.service_name}:{model.name}")

    @property
    def writes(self) -> list[str]:
        return [call for call in self.calls if is_write(call.split(":", 1)[1])]

    def summary(self) -> dict:
        return {"total": len(self.calls), "writes": len(self.writes), "by_operation": dict(Counter(self.calls))}


class Aws:
    """Clients for one region, sharing one call log."""

    def __init__(self, region: str, profile: str | None = None, log: CallLog | None = None):
        import boto3  # here, not at the top: `publish.py --help` and the offline verbs need no boto3

        from products.analysis import botocore_data

        botocore_data.read_once()  # a session per region and run would each decode botocore's models again
        try:
            self.session = boto3.Session(profile_name=profile, region_name=region)
        except BotoCoreError as error:  # an unknown profile
            raise BadInput(f"--profile: {error}") from None
        if region not in known_regions():
            # Checked up front: an unreachable endpoint would otherwise be retried for minutes.
            raise BadInput(f"--region: unknown region {region!r} (CloudFormation is not offered there)")
        self.region = region
        self.log = log if log is not None else CallLog()
        self._clients = {}

    def client(self, service: str, config: Config = RETRIES):
        if service not in self._clients:
            client = self.session.client(service, config=config)
            if is_local(client.meta.endpoint_url) and config is RETRIES:
                client = self.session.client(service, config=LOCAL_RETRIES)
            client.meta.events.register("before-call", self.log.record)
            self._clients[service] = client
        return self._clients[service]

    def account_id(self) -> str:
        """The caller's account; also the first check that credentials, region and endpoint work."""
        sts = self.client("sts", config=PROBE)
        try:
            return sts.get_caller_identity()["Account"]
        except NoCredentialsError:
            raise PublishError(
                "no AWS credentials found: set AWS_PROFILE or pass --profile, or export AWS_ACCESS_KEY_ID "
                "and AWS_SECRET_ACCESS_KEY"
            ) from None
        except NoRegionError:
            raise PublishError("no AWS region: pass --region or list regions in the configuration") from None
        except (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError):
            endpoint = sts.meta.endpoint_url
            hint = "check the region and the network" if ".amazonaws." in endpoint else (
                "is AWS_ENDPOINT_URL (or the profile's endpoint_url) right, and is the endpoint running?")
            raise PublishError(f"cannot reach {endpoint}: no answer; {hint}") from None
        except ClientError as error:
            raise PublishError(f"AWS refused the credentials in {self.region}: {error.response['Error']['Message']}") from None


def assumed(aws: "Aws", role_arn: str, session_name: str = "sagemaker-catalog-publish", account: str | None = None) -> "Aws":
    """Clients for the same region with ``role_arn``'s credentials (another account's), sharing the call log;
    with ``account``, checked to be that account's (one GetCallerIdentity)."""
    import boto3

    try:
        credentials = aws.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
    except ClientError as error:
        raise PublishError(f"cannot assume {role_arn}: {error.response['Error']['Message']}; publishing into that "
                           "account needs a role there that this one may assume (the role of publish.target_accounts "
                           "or publish.member_accounts)") from None
    other = object.__new__(Aws)
    other.session = boto3.Session(aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                                  aws_session_token=credentials["SessionToken"], region_name=aws.region)
    other.region, other.log, other._clients = aws.region, aws.log, {}
    if account is not None and other.account_id() != account:
        raise PublishError(f"{role_arn} gave credentials of account {other.account_id()}, not {account}")
    return other


def fill_pseudo_parameters(text: str, account: str, region: str, partition: str) -> str:
    """Resolve ``${AWS::AccountId}``, ``${AWS::Region}`` and ``${AWS::Partition}`` as CloudFormation would."""
    return (
        text.replace("${AWS::AccountId}", account).replace("${AWS::Region}", region).replace("${AWS::Partition}", partition)
    )


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


UNSUPPORTED_CODES = {"NotImplemented", "InvalidAction", "UnknownOperationException", "UnsupportedOperation"}


def lacks_api(error: ClientError, endpoint: str) -> bool:
    """Whether the endpoint does not implement the operation (moto_server answers an unknown one with HTTP 500)."""
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return error_code(error) in UNSUPPORTED_CODES or status == 501 or (status == 500 and is_local(endpoint))
