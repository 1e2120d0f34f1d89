"""Product ``build-train-deploy-git``: the build-train-deploy flow on GitHub, GitLab or Bitbucket.

The repositories live with a third-party Git provider and are reached through an AWS
CodeConnections connection. Pipelines are CodePipeline V2 with push triggers filtered to
the configured branch; the approval rule, the deploy stages, the manual gate and the tags
are those of build-train-deploy. Empty repositories get the seed code pushed by the
stack (seed check-in); repositories with commits are left as they are. The pipelines
wait for the check-in, so their first run sees the seed code.
"""

from troposphere import Equals, GetAtt, Not, Output, Parameter, Ref, Template

from products.blocks import build_contract as contract
from products.blocks.model_build import model_build
from products.blocks.model_deploy import model_deploy
from products.blocks.naming import model_package_group_name
from products.blocks.pipelines import connection_source, push_trigger
from products.blocks.product import Product, ProductSettings
from products.blocks.project_base import project_base
from products.blocks.seed_checkin import seed_checkin_machine
from products.build_train_deploy import SEED_KEY_PARAMETERS, project_model_package_group

NAME = "build-train-deploy-git"
VERSION = "1.0.0"

# GitHub "owner/repo"; GitLab may nest groups: "group/subgroup/repo".
REPOSITORY_PATTERN = "^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$"
BRANCH_PATTERN = "^[^\\s~^:?*\\[\\\\]+$"
CONNECTION_PATTERN = "^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:[0-9]{12}:connection/[a-zA-Z0-9-]+$"


def _repository_parameters(template: Template, role: str, title: str) -> tuple[Ref, Ref]:
    """``<Role>CodeRepositoryFullname`` and ``<Role>CodeRepositoryBranch`` (default main)."""
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
    return Ref(full_name), Ref(branch)


def build(settings: ProductSettings) -> Template:
    base = project_base(
        "SageMaker project: build, train and register a model on every push, deploy it to staging and prod "
        "on approval; code on GitHub, GitLab or Bitbucket through AWS CodeConnections.",
        settings,
        SEED_KEY_PARAMETERS,
    )
    template, roles = base.template, settings.roles
    connection = template.add_parameter(Parameter(
        "CodeConnectionArn",
        Type="String",
        Description="ARN of an AVAILABLE AWS CodeConnections connection to the Git provider",
        AllowedPattern=CONNECTION_PATTERN,
    ))
    build_repo, build_branch = _repository_parameters(template, "ModelBuild", "model build")
    deploy_repo, deploy_branch = _repository_parameters(template, "ModelDeploy", "model deploy")
    template.add_rule("DistinctRepositories", {"Assertions": [{
        "Assert": Not(Equals(build_repo, deploy_repo)),
        "AssertDescription": "The model build and model deploy repositories must be different repositories.",
    }]})
    source = contract.SOURCE_ARTIFACT
    build_half = model_build(
        roles, base.bucket, connection_source(Ref(connection), build_repo, build_branch, source),
        triggers=[push_trigger(build_branch)],
    )
    deploy_half = model_deploy(
        roles, base.bucket, connection_source(Ref(connection), deploy_repo, deploy_branch, source),
        triggers=[push_trigger(deploy_branch)],
    )
    seeding = seed_checkin_machine(roles)
    build_checkin = seeding.checkin(
        "ModelBuildSeedCheckin", Ref(connection), build_repo, build_branch, base.seed[contract.MODEL_BUILD.name]
    )
    deploy_checkin = seeding.checkin(
        "ModelDeploySeedCheckin", Ref(connection), deploy_repo, deploy_branch, base.seed[contract.MODEL_DEPLOY.name]
    )
    build_half.pipeline.DependsOn = [build_checkin.title]
    deploy_half.pipeline.DependsOn = [deploy_checkin.title]
    for resource in (
        project_model_package_group(), *seeding.resources, build_checkin, deploy_checkin,
        *build_half.resources, *deploy_half.resources,
    ):
        template.add_resource(resource)
    seed_result = "pushed, or skipped when the repository already had commits"
    template.add_output([
        Output("ArtifactBucketName", Value=Ref(base.bucket)),
        Output("ModelPackageGroupName", Value=model_package_group_name()),
        Output("ModelBuildPipelineName", Value=Ref(build_half.pipeline)),
        Output("ModelDeployPipelineName", Value=Ref(deploy_half.pipeline)),
        Output("ModelBuildSeedResult", Value=GetAtt(build_checkin, "SeedResult"), Description=seed_result),
        Output("ModelDeploySeedResult", Value=GetAtt(deploy_checkin, "SeedResult"), Description=seed_result),
    ])
    return template


PRODUCT = Product(
    name=NAME,
    title="MLOps template for model building, training, and deployment (third-party Git)",
    description=(
        "The build-train-deploy flow with repositories on GitHub, GitHub Enterprise, GitLab or Bitbucket through "
        "an AWS CodeConnections connection. Empty repositories get the model-build and model-deploy seed code "
        "pushed when the project is created; repositories with commits are left untouched."
    ),
    version=VERSION,
    seed_repos=(contract.MODEL_BUILD, contract.MODEL_DEPLOY),
    build=build,
)
