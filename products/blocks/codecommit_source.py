"""A project repository on CodeCommit: seeded repo, pipeline source action and push trigger."""

from dataclasses import dataclass

from troposphere import GetAtt, codecommit, codepipeline as cp, events

from products.blocks import build_contract as contract
from products.blocks.events import branch_push_rule
from products.blocks.naming import project_resource_name
from products.blocks.pipelines import codecommit_source
from products.blocks.repositories import seeded_repository

BUILD_REPO_DESCRIPTION = "Model build code: the SageMaker Pipeline that trains and registers the model"
DEPLOY_REPO_DESCRIPTION = "Model deploy code: staging and prod endpoints for the latest approved model"


@dataclass(frozen=True)
class CodeCommitSource:
    repository: codecommit.Repository
    action: cp.Actions

    def push_rule(self, logical_id: str, rule_suffix: str, pipeline, events_role_arn) -> events.Rule:
        """Start ``pipeline`` on a push to the seed branch of this repository."""
        return branch_push_rule(
            logical_id, project_resource_name(rule_suffix), self.repository, contract.SEED_BRANCH, pipeline, events_role_arn
        )


def codecommit_repository(logical_id: str, name_suffix: str, description: str, seed_location) -> CodeCommitSource:
    """``sagemaker-<name>-<id>-<suffix>``, seeded on the seed branch, and the pipeline action reading it."""
    repository = seeded_repository(
        logical_id, project_resource_name(name_suffix), description, *seed_location, branch=contract.SEED_BRANCH
    )
    # GetAtt, not the name again: CloudFormation then creates the repository before the pipeline, whose creation
    # starts a first execution (CodePipeline User Guide, "Start a pipeline": "When a pipeline is created, a pipeline
    # execution starts automatically"); with the name alone that execution could read a repository not yet made.
    return CodeCommitSource(
        repository, codecommit_source(GetAtt(repository, "Name"), contract.SEED_BRANCH, contract.SOURCE_ARTIFACT)
    )
