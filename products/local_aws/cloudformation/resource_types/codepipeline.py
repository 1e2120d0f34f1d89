"""AWS::CodePipeline::Pipeline, on moto's CodePipeline backend: the pipeline as GetPipeline then describes it.

CreatePipeline fails unless the pipeline's role trusts CodePipeline, and refuses a pipeline whose actions read an
artifact no earlier action writes (``artifact_problem``). moto 5.2.5 checks that, but reads a
trust statement's ``Principal.Service`` as one string, and IAM allows a list (our roles stack writes one):
the check is made here as IAM reads the statement (iam_evaluator), then the pipeline is stored as moto's CreatePipeline
stores it. The API's CreatePipeline makes the same checks (``install``)."""

import json

from moto.codepipeline.exceptions import InvalidStructureException
from moto.codepipeline.models import CodePipeline, codepipeline_backends
from moto.iam.exceptions import NotFoundException

from products.analysis import iam_evaluator
from products.local_aws.cloudformation.resource_types.base import LocalResource
from products.local_aws.cloudformation.resource_types.shapes import api_members, api_tags

# CloudFormation-only properties, not members of CreatePipeline's pipeline declaration.
_NOT_IN_THE_DECLARATION = ("Name", "Tags", "RestartExecutionOnUpdate", "DisableInboundStageTransitions")


def declaration(name: str, properties: dict) -> dict:
    """CreatePipeline's ``pipeline`` member for the template's properties. An action's configuration keeps its
    own keys, its values as text (the API's configuration is a map of strings)."""
    declared = api_members({k: v for k, v in properties.items() if k not in _NOT_IN_THE_DECLARATION},
                           keep_keys_of=frozenset({"Configuration"}))
    for stage in declared.get("stages", []):
        for action in stage.get("actions", []):
            action["configuration"] = {k: str(v) for k, v in action.get("configuration", {}).items()}
            action.setdefault("runOrder", 1)
    return {"name": name, "version": 1, **declared}


class Pipeline(LocalResource):
    TYPE = "AWS::CodePipeline::Pipeline"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = {"Version": lambda self: "1"}

    @classmethod
    def create(cls, name, properties, account_id, region):
        create_pipeline(codepipeline_backends[account_id][region], declaration(name, properties),
                        api_tags(properties.get("Tags")))
        return cls(name, properties, account_id, region)  # Ref: the pipeline's name

    def remove(self) -> None:
        codepipeline_backends[self.account_id][self.region].delete_pipeline(self.physical_id)


def create_pipeline(backend, declared: dict, tags: list[dict]) -> CodePipeline:
    """What CreatePipeline checks, then the pipeline stored as moto stores it (the stack's and the API's path)."""
    name, account_id, region = declared["name"], backend.account_id, backend.region_name
    if name in backend.pipelines:
        raise InvalidStructureException(f"A pipeline with the name '{name}' already exists in account '{account_id}'")
    if not _trusts_codepipeline(backend.iam_backend, declared["roleArn"]):
        raise InvalidStructureException(f"CodePipeline is not authorized to perform AssumeRole on role {declared['roleArn']}")
    if len(declared["stages"]) < 2:
        raise InvalidStructureException(f"Pipeline has only {len(declared['stages'])} stage(s). "
                                        "There should be a minimum of 2 stages in a pipeline")
    problem = artifact_problem(declared["stages"])
    if problem:
        raise InvalidStructureException(problem)
    stored = backend.pipelines[name] = CodePipeline(account_id, region, declared)
    stored.tags.update({tag["key"]: tag["value"] for tag in tags or []})
    return stored


def install() -> None:
    """Patch moto's CreatePipeline (in this process) to check as the stack does (see the module's doc)."""
    from moto.codepipeline.models import CodePipelineBackend

    def checked_create_pipeline(self, pipeline: dict, tags: list | None):
        pipeline = {**pipeline, "version": 1}
        for stage in pipeline.get("stages", []):
            for action in stage.get("actions", []):
                action.setdefault("runOrder", 1)
        create_pipeline(self, pipeline, tags or [])
        return pipeline, sorted(tags or [], key=lambda tag: tag["key"])

    CodePipelineBackend.create_pipeline = checked_create_pipeline


def artifact_problem(stages: list[dict]) -> str | None:
    """What CodePipeline refuses in a pipeline's artifacts, or None: "Every input artifact for an action must match
    the output artifact of an action earlier in the pipeline" and "Every output artifact in the pipeline must have a
    unique name" (CodePipeline User Guide, "Input and output artifacts"). Earlier: in an earlier stage, or in the
    same stage with a lower run order. The wording of the refusal is ours."""
    produced: set[str] = set()
    for stage in stages:
        for run_order in sorted({a["runOrder"] for a in stage["actions"]}):
            actions = [a for a in stage["actions"] if a["runOrder"] == run_order]
            for action in actions:
                for artifact in action.get("inputArtifacts", []):
                    if artifact["name"] not in produced:
                        return (f"Input artifact '{artifact['name']}' of action '{action['name']}' in stage "
                                f"'{stage['name']}' is not the output of any action before it")
            for action in actions:
                for artifact in action.get("outputArtifacts", []):
                    if artifact["name"] in produced:
                        return f"Output artifact '{artifact['name']}' of action '{action['name']}' is not unique"
                    produced.add(artifact["name"])
    return None


def _trusts_codepipeline(iam_backend, role_arn: str) -> bool:
    try:
        trust = iam_backend.get_role_by_arn(role_arn).assume_role_policy_document
    except NotFoundException:
        return False
    trust = json.loads(trust) if isinstance(trust, str) else trust
    return iam_evaluator.resource_policy_allows(trust, "codepipeline.amazonaws.com", "sts:AssumeRole", role_arn).allowed


MODELS = (Pipeline,)
