"""The events AWS services send to EventBridge by themselves, sent by the local AWS's services.

In AWS nobody puts a "SageMaker Model Package State Change" on the bus: SageMaker does, when a package is created
or its approval changes. moto's services send none. Here each service of the local AWS sends the events the
catalog's rules match, in the shapes AWS documents (event_shapes.py), to the default bus of the account and region
where it happened, and the rules deliver them (eventbridge_delivery.py):

- SageMaker: "SageMaker Model Package State Change" on CreateModelPackage and on UpdateModelPackage of a
  versioned package (installed here); "SageMaker Model Building Pipeline Execution Status Change" when an
  execution starts and ends (pipelines.py);
- CodePipeline: "CodePipeline Pipeline Execution State Change" when an execution starts and ends
  (codepipeline_runs.py);
- CodeCommit: "CodeCommit Repository State Change" when a commit moves a branch (codecommit_commits.py).

Not sent: every other event those services document (stage and action changes, pull requests, training jobs).
"""

import datetime

from products.local_aws.event_shapes import model_package_state_event, put_events_entry


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def emit(event: dict) -> None:
    """``event`` on the default bus of its account and region: the rules there deliver it."""
    from moto.events.models import events_backends

    events_backends[event["account"]][event["region"]].put_events([put_events_entry(event)])


def model_package_changed(package, account: str, region: str) -> None:
    """SageMaker's event for a versioned package (a group's member) after it was created or changed."""
    if not package.model_package_group_name:
        return
    emit(model_package_state_event(
        package.model_package_group_name, int(package.model_package_version), package.model_approval_status,
        account=account, region=region, time=now_iso(),
        inference_specification=package.inference_specification,
        creation_time_ms=int(package.creation_time.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)))  # moto: naive UTC


def install() -> None:
    """Patch moto's SageMaker (in this process): creating or approving a model package sends its event."""
    from moto.sagemaker.models import SageMakerModelBackend

    if getattr(SageMakerModelBackend.create_model_package, "local_aws", False):
        return

    def announcing(method):
        """``method`` (it answers the package's ARN), then the package's event."""
        def wrapper(self, *args, **kwargs):
            arn = method(self, *args, **kwargs)
            package = self.model_packages[self.model_package_name_mapping.get(arn, arn)]
            model_package_changed(package, self.account_id, self.region_name)
            return arn
        wrapper.local_aws = True
        return wrapper

    SageMakerModelBackend.create_model_package = announcing(SageMakerModelBackend.create_model_package)
    SageMakerModelBackend.update_model_package = announcing(SageMakerModelBackend.update_model_package)
