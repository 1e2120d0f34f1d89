"""What every demo step works with: the demo project, its resolved template, the local AWS's clients, and
what earlier steps found (the projects, the registered package, the executions to follow)."""

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import boto3

from products.render.synth import RenderedCatalog

REGION, ACCOUNT = "us-east-1", "123456789012"
STUDIO_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole-demo"
DEMO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo", "AWS_DEFAULT_REGION": REGION}
# The accounts scenario: staging and prod in accounts of their own, both target accounts of the catalog.
STAGING_ACCOUNT, PROD_ACCOUNT = "222222222222", "333333333333"


@dataclass(frozen=True)
class Waits:
    """How a run polls and how long it waits: seconds between polls, for a pipeline a push or an approval starts,
    before a run is taken for hung, between progress lines, and for IAM to spread a new role's policies. None of
    them decides a result."""

    poll: float
    start: float
    hang: float
    progress: float
    settle: float


# The local AWS answers at once and runs a pipeline in seconds; AWS takes minutes (a model build runs four
# SageMaker jobs, an endpoint takes minutes to come InService) and throttles fast polling.
# IAM is eventually consistent: a role's new policies may take seconds to apply everywhere (IAM User Guide,
# "Changes that I make are not always immediately visible"); the local AWS applies them at once.
LOCAL_WAITS = Waits(poll=0.2, start=15, hang=900, progress=60, settle=0)
AWS_WAITS = Waits(poll=15, start=300, hang=4 * 3600, progress=300, settle=15)


class DemoFailed(RuntimeError):
    def __init__(self, step: int, title: str, reason: str):
        self.step, self.title, self.reason = step, title, reason
        super().__init__(f"step {step} ({title}) failed: {reason}")


@dataclass
class DemoResult:
    project_name: str
    project_id: str
    durations: dict = field(default_factory=dict)  # step title -> seconds
    mse: float | None = None
    summary: dict = field(default_factory=dict)
    iam_checks: dict = field(default_factory=dict)  # role -> {"checked": n, "denied": [...], "actions": {...}}


@dataclass
class Demo:
    """The demo's shared state: set up by ``run_demo``, read and extended by the steps in order."""

    scenario: str
    product: str
    catalog: RenderedCatalog
    template: dict  # the product's template, as published (or as a test changed it)
    resources: dict  # logical id -> resource, resolved for the demo project
    work: Path  # a temporary folder, gone after the demo
    endpoint: str  # the local AWS's URL
    result: DemoResult
    say: object = print
    clients: dict = field(default_factory=dict)  # service -> a client with the run's own (admin) credentials
    found: dict = field(default_factory=dict)  # what a step leaves for later ones, by name
    region: str = REGION
    account: str = ACCOUNT
    person_role: str = STUDIO_ROLE  # the role people act as (people.py)
    waits: Waits = LOCAL_WAITS

    @cached_property
    def props(self) -> dict:
        """Logical id -> the resource's resolved properties."""
        return {logical_id: resource["Properties"] for logical_id, resource in self.resources.items()}

    def session_as(self, role_arn: str, session_name: str, sts=None) -> boto3.Session:
        """A boto3 session with the credentials STS hands out for ``role_arn`` (asked by ``sts``, default admin)."""
        credentials = (sts or self.clients["sts"]).assume_role(RoleArn=role_arn, RoleSessionName=session_name)[
            "Credentials"]
        return boto3.Session(region_name=self.region, aws_access_key_id=credentials["AccessKeyId"],
                             aws_secret_access_key=credentials["SecretAccessKey"],
                             aws_session_token=credentials["SessionToken"])

    def delivery_failures(self) -> str:
        """What the local AWS reported of EventBridge deliveries that failed (as the rules' FailedInvocations
        would show in AWS), for a step's error; "" if none."""
        log = self.work / "emulator.log"
        lines = [line for line in (log.read_text().splitlines() if log.exists() else []) if line.startswith("eventbridge:")]
        return ("; " + "; ".join(lines)) if lines else ""

    def follow(self, pipeline: str, execution_id: str, **options) -> str:
        """The execution followed to its end (or its gate), each action printed, a failed build's log shown."""
        from products.demo.watch import follow

        return follow(self.clients["codepipeline"], pipeline, execution_id, self.say, logs=self.clients["logs"],
                      waits=self.waits, **options)
