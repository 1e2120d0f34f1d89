"""AWS sessions for the publisher: standard retries, and every call counted.

Throttling is retried with botocore's standard mode, so it never fails a run that would
succeed later. The call log tells reads from writes, which is how the tests prove that
a publish with nothing to change writes nothing.
"""

from collections import Counter
from dataclasses import dataclass, field

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError, EndpointConnectionError

RETRIES = Config(retries={"mode": "standard", "max_attempts": 10}, user_agent_extra="sagemaker-mlops-catalog")
READ_PREFIXES = ("Get", "Head", "List", "Describe", "Search", "Scan")
READ_ONLY = {"ValidateTemplate"}


class PublishError(RuntimeError):
    """A problem the user must fix; ``str()`` is the one line to show."""


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
        try:
            self.session = boto3.Session(profile_name=profile, region_name=region)
        except BotoCoreError as error:  # an unknown profile
            raise PublishError(str(error)) from None
        known = {
            name
            for partition in self.session.get_available_partitions()
            for name in self.session.get_available_regions("cloudformation", partition_name=partition)
        }
        if region not in known:
            # Checked up front: an unreachable endpoint would otherwise be retried for minutes.
            raise PublishError(f"unknown region {region!r}: CloudFormation is not offered there (check --region or regions)")
        self.region = region
        self.log = log if log is not None else CallLog()
        self._clients = {}

    def client(self, service: str):
        if service not in self._clients:
            client = self.session.client(service, config=RETRIES)
            client.meta.events.register("before-call", self.log.record)
            self._clients[service] = client
        return self._clients[service]

    def account_id(self) -> str:
        """The caller's account; also the first check that credentials and region work."""
        try:
            return self.client("sts").get_caller_identity()["Account"]
        except NoCredentialsError:
            raise PublishError(
                "no AWS credentials found: set AWS_PROFILE or pass --profile, or export AWS_ACCESS_KEY_ID "
                "and AWS_SECRET_ACCESS_KEY"
            ) from None
        except NoRegionError:
            raise PublishError("no AWS region: pass --region or list regions in the configuration") from None
        except EndpointConnectionError:
            raise PublishError(f"cannot reach AWS in region {self.region!r}: is it a region your account uses?") from None
        except ClientError as error:
            raise PublishError(f"AWS refused the credentials in {self.region}: {error.response['Error']['Message']}") from None


def fill_pseudo_parameters(text: str, account: str, region: str, partition: str) -> str:
    """Resolve ``${AWS::AccountId}``, ``${AWS::Region}`` and ``${AWS::Partition}`` as CloudFormation would."""
    return (
        text.replace("${AWS::AccountId}", account).replace("${AWS::Region}", region).replace("${AWS::Partition}", partition)
    )


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")
