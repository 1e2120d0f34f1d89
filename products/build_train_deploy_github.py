"""Product ``build-train-deploy-github``: the build-train-deploy flow with CI/CD on GitHub Actions.

The model-build and model-deploy repositories live on GitHub and carry the seed repos' workflows
(``.github/workflows/``), which do what the buildspecs do. AWS holds no pipeline and no build: a role per
workflow job, trusted through GitHub's OIDC provider: the build and staging roles for their repository's
branch, the prod role only for the model-deploy repository's ``production`` environment (GitHub's manual gate
before prod); the project's bucket and model package group; and the approval hook, which starts the deploy
workflow with a repository dispatch.
"""

from troposphere import Output, Ref, Template

from products.blocks import build_contract as contract
from products.blocks.github_actions import (
    PRODUCTION_ENVIRONMENT, add_github_parameters, approval_hook, build_statements, prod_statements,
    staging_statements, variables_output, workflow_role,
)
from products.blocks.model_deploy import endpoint_cleanup_resources, stage_stack_name
from products.blocks.naming import model_package_group_name, project_resource_name
from products.blocks.product import Product, ProductSettings
from products.blocks.project_base import project_base
from products.blocks.registry import model_package_group_output, project_model_package_group
from products.blocks.storage import artifact_bucket_output

NAME = "build-train-deploy-github"
VERSION = "1.0.0"
DESCRIPTION = ("SageMaker project: build, train and register a model on every push, deploy it to staging and prod "
               "on approval, with GitHub Actions workflows assuming project roles through GitHub's OIDC provider.")


def _outputs(roles, base, build_role, staging_role, prod_role) -> list[Output]:
    shared = {"AWS_REGION": Ref("AWS::Region"), "SAGEMAKER_PROJECT_NAME": Ref("SageMakerProjectName"),
              "SAGEMAKER_PROJECT_ID": Ref("SageMakerProjectId"), "ARTIFACT_BUCKET": Ref(base.bucket),
              "MODEL_PACKAGE_GROUP_NAME": model_package_group_name(),
              "MODEL_EXECUTION_ROLE_ARN": roles.arn("execution")}
    return [
        artifact_bucket_output(base.bucket),
        model_package_group_output(model_package_group_name()),
        variables_output("ModelBuildGitHubVariables", "model-build", {
            **shared, "AWS_ROLE_ARN": build_role.GetAtt("Arn"), "SAGEMAKER_PIPELINE_NAME": project_resource_name(),
            "SAGEMAKER_PIPELINE_ROLE_ARN": roles.arn("use")}),
        variables_output("ModelDeployGitHubVariables", "model-deploy", {
            **shared, "AWS_STAGING_ROLE_ARN": staging_role.GetAtt("Arn"), "AWS_PROD_ROLE_ARN": prod_role.GetAtt("Arn"),
            "CLOUDFORMATION_ROLE_ARN": roles.arn("cloudformation"),
            "STAGING_STACK_NAME": stage_stack_name("staging"), "PROD_STACK_NAME": stage_stack_name("prod")}),
    ]


def build(settings: ProductSettings) -> Template:
    roles = settings.roles
    base = project_base(DESCRIPTION, settings, contract.seed_key_parameters())
    github, provider = add_github_parameters(base.template)
    boundary = roles.github_boundary_arn()
    build_role = workflow_role("ModelBuildWorkflowRole", "build", github, github.build_repository,
                               build_statements(roles, base.bucket), roles, boundary)
    staging_role = workflow_role("StagingWorkflowRole", "staging", github, github.deploy_repository,
                                 staging_statements(roles, base.bucket), roles, boundary)
    prod_role = workflow_role("ProdWorkflowRole", "prod", github, github.deploy_repository, prod_statements(roles),
                              roles, boundary, PRODUCTION_ENVIRONMENT)
    cleanup_function, cleanup = endpoint_cleanup_resources(roles)
    for resource in (*provider, project_model_package_group(), build_role, staging_role, prod_role,
                     *approval_hook(github, roles, model_package_group_name()), cleanup_function, cleanup):
        base.template.add_resource(resource)
    base.template.add_output(_outputs(roles, base, build_role, staging_role, prod_role))
    return base.template


PRODUCT = Product(
    name=NAME,
    title="MLOps template for model building, training, and deployment (GitHub Actions)",
    description=(
        "The build-train-deploy flow run by GitHub Actions workflows in your GitHub repositories: a role per workflow "
        "trusted through GitHub's OIDC provider (no keys), the model package group and bucket, and a hook that starts "
        "the deploy workflow when a model is approved. Push the model-build and model-deploy seed code to the two "
        "repositories and set the Actions variables the project's outputs list."
    ),
    version=VERSION,
    # The template pushes no seed code (the repositories are the team's, on GitHub): it names no seed zip, so a seed
    # change gives it no new version. Teams start from the model-build and model-deploy seed zips.
    seed_repos=(),
    build=build,
)
