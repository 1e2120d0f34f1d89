"""Parameters of a product whose repositories live with a third-party Git provider.

The repositories are reached through an AWS CodeConnections connection (GitHub, GitHub
Enterprise, GitLab, Bitbucket); a user gives the connection and, per repository, its
full name and branch.
"""

from dataclasses import dataclass

from troposphere import Equals, Not, Parameter, Ref, Template

from products.blocks import build_contract as contract

# GitHub "owner/repo"; GitLab may nest groups: "group/subgroup/repo".
REPOSITORY_PATTERN = "^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$"
BRANCH_PATTERN = "^[^\\s~^:?*\\[\\\\]+$"
CONNECTION_PATTERN = (
    "^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:[0-9]{12}:connection/[a-zA-Z0-9-]+$"
)


@dataclass(frozen=True)
class GitRepository:
    full_name: Ref
    branch: Ref


def add_connection_parameter(template: Template) -> Ref:
    connection = template.add_parameter(Parameter(
        "CodeConnectionArn",
        Type="String",
        Description="ARN of an AVAILABLE AWS CodeConnections connection to the Git provider",
        AllowedPattern=CONNECTION_PATTERN,
    ))
    return Ref(connection)


def add_repository_parameters(template: Template, role: str, title: str) -> GitRepository:
    """``<role>CodeRepositoryFullname`` and ``<role>CodeRepositoryBranch`` (default: the seed branch)."""
    full_name = template.add_parameter(Parameter(
        f"{role}CodeRepositoryFullname",
        Type="String",
        Description=f"Full name of the {title} repository, e.g. my-org/{title.replace(' ', '-')}",
        AllowedPattern=REPOSITORY_PATTERN,
        MaxLength=200,
    ))
    branch = template.add_parameter(Parameter(
        f"{role}CodeRepositoryBranch",
        Type="String",
        Default=contract.SEED_BRANCH,
        Description=f"Branch of the {title} repository whose pushes run the pipeline",
        AllowedPattern=BRANCH_PATTERN,
        MaxLength=200,
    ))
    return GitRepository(Ref(full_name), Ref(branch))


def add_distinct_repositories_rule(template: Template, first: GitRepository, second: GitRepository) -> None:
    """CloudFormation refuses, before creating anything, one repository given for both."""
    template.add_rule("DistinctRepositories", {"Assertions": [{
        "Assert": Not(Equals(first.full_name, second.full_name)),
        "AssertDescription": "The model build and model deploy repositories must be different repositories.",
    }]})

