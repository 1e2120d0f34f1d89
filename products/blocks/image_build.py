"""The image-build half of a project: where its container image lives, and what builds it.

An ECR repository (scanned on push, tags immutable, old images expired), a SageMaker image
that lists each build as an image version for Studio, and a CodeBuild project that builds the
repository's Dockerfile (privileged: docker runs inside the build), pushes it tagged with the
commit and registers the version. The build runs as a role of its own: the shared CodeBuild
role would let one project's build push into every project's repository. The role is bounded
by the catalog's image-build permissions boundary (the roles stack), which the launch roles
must attach to any role they create.
"""

import json
from dataclasses import dataclass

from awacs.aws import Action, Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import GetAtt, Parameter, Ref, Sub, Template, codebuild, ecr, events, iam, s3, sagemaker

from products.blocks import build_contract as contract
from products.blocks.codebuild import pipeline_build_project
from products.blocks.events import pipeline_arn
from products.blocks.iam import POLICY_VERSION, RoleNames, allow
from products.blocks.naming import PROJECT_ID_PARAMETER, PROJECT_NAME_PARAMETER, project_resource_name, project_tags

# Names: ECR repository names are lowercase and SageMaker image names allow no "--", while project
# names may have both; project ids are neither, so these carry the id (and the tags the name).
IMAGE_REPOSITORY_PREFIX = "sagemaker-project-"
IMAGE_BUILD_ROLE_PREFIX = "sagemaker-image-build-"
# The image the seed's Dockerfile derives from (its base_image.py), pulled from AWS's account of the region.
BASE_IMAGE_REPOSITORY = "sagemaker-scikit-learn"
# Kept images: every build is a new tag (tags are immutable), so the oldest beyond this are expired.
KEPT_IMAGES = 50
REBUILD_PARAMETER = "ImageRebuildSchedule"

# What `docker push` asks ECR for (ECR User Guide, "IAM permissions for pushing an image to an Amazon ECR
# private repository"), and what `docker pull` asks for (the same guide's pull policy).
ECR_PUSH_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
                    "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart")
ECR_PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
IMAGE_VERSION_ACTIONS = ("sagemaker:CreateImageVersion", "sagemaker:DescribeImageVersion")


@dataclass(frozen=True)
class ImageBuild:
    repository: ecr.Repository
    image: sagemaker.Image
    role: iam.Role
    project: codebuild.Project

    @property
    def resources(self) -> list:
        return [self.repository, self.image, self.role, self.project]


def image_repository_name() -> Sub:
    return Sub(IMAGE_REPOSITORY_PREFIX + "${SageMakerProjectId}")


def lifecycle_policy(kept: int = KEPT_IMAGES) -> str:
    """Expire the oldest images beyond ``kept``; an image version still pointing at one can no longer be pulled."""
    return json.dumps({"rules": [{
        "rulePriority": 1,
        "description": f"Keep the {kept} most recent images",
        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": kept},
        "action": {"type": "expire"},
    }]}, sort_keys=True)


def image_repository() -> ecr.Repository:
    """The project's repository: every push scanned, no tag ever overwritten (a tag names one build for good)."""
    return ecr.Repository(
        "ImageRepository",
        RepositoryName=image_repository_name(),
        ImageScanningConfiguration=ecr.ImageScanningConfiguration(ScanOnPush=True),
        ImageTagMutability="IMMUTABLE",
        LifecyclePolicy=ecr.LifecyclePolicy(LifecyclePolicyText=lifecycle_policy()),
        EmptyOnDelete=True,  # deleting the project deletes its images; ECR refuses to delete a repository holding any
        Tags=project_tags(),
        Metadata={"checkov": {"skip": [{
            "id": "CKV_AWS_136",
            "comment": "Encrypted at rest with ECR's default AES-256; a KMS key would add key grants to every "
                       "launch role for images that hold code and public packages, no data",
        }]}},
    )


def studio_image(roles: RoleNames) -> sagemaker.Image:
    """The SageMaker image whose versions are this project's builds; SageMaker pulls them as the execution role."""
    return sagemaker.Image(
        "ProcessingImage",
        ImageName=image_repository_name(),
        ImageDisplayName=Sub("${SageMakerProjectName} processing image"),
        ImageDescription="Built from the project's image-build repository on every push and on a schedule",
        ImageRoleArn=roles.arn("execution"),
        Tags=project_tags(),
    )


def image_build_role(roles: RoleNames, boundary_arn, repository: ecr.Repository, bucket: s3.Bucket,
                     build_project_name) -> iam.Role:
    """CodeBuild's role for this project's image builds: its own repository, image and logs, nothing else."""
    image_arn = "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:image"
    statements = [
        # The group itself (CreateLogGroup) and its streams (CodeBuild User Guide's service role policy names both).
        allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
              [Sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/codebuild/${Name}" + tail,
                   Name=build_project_name) for tail in ("", ":*")]),
        allow(["s3:GetObject", "s3:GetObjectVersion"], [Sub("${BucketArn}/*", BucketArn=GetAtt(bucket, "Arn"))]),
        allow(["s3:GetBucketAcl", "s3:GetBucketLocation"], [GetAtt(bucket, "Arn")]),
        allow(["ecr:GetAuthorizationToken"], ["*"]),
        allow(list(ECR_PUSH_ACTIONS), [GetAtt(repository, "Arn")]),
        allow(list(ECR_PULL_ACTIONS),
              [Sub(f"arn:${{AWS::Partition}}:ecr:${{AWS::Region}}:*:repository/{BASE_IMAGE_REPOSITORY}")]),
        allow(list(IMAGE_VERSION_ACTIONS),
              [Sub(f"{image_arn}/{IMAGE_REPOSITORY_PREFIX}${{SageMakerProjectId}}"),
               Sub(f"{image_arn}-version/{IMAGE_REPOSITORY_PREFIX}${{SageMakerProjectId}}/*")]),
    ]
    trust = PolicyDocument(Version=POLICY_VERSION, Statement=[Statement(
        Effect=Allow, Principal=Principal("Service", ["codebuild.amazonaws.com"]), Action=[Action("sts", "AssumeRole")],
        Condition=Condition(StringEquals({"aws:SourceAccount": Ref("AWS::AccountId")})),
    )])
    return iam.Role(
        "ImageBuildRole",
        RoleName=Sub(IMAGE_BUILD_ROLE_PREFIX + "${SageMakerProjectId}"),
        Path=roles.path,
        Description="Builds this project's image: push to its ECR repository, register SageMaker image versions",
        AssumeRolePolicyDocument=trust,
        PermissionsBoundary=boundary_arn,
        Policies=[iam.Policy(PolicyName="image-build",
                             PolicyDocument=PolicyDocument(Version=POLICY_VERSION, Statement=statements))],
        Tags=project_tags(),
    )


def image_build(roles: RoleNames, boundary_arn, bucket: s3.Bucket) -> ImageBuild:
    """The repository, image, role and CodeBuild project; a pipeline runs the project on its source."""
    repository, image = image_repository(), studio_image(roles)
    project_name = project_resource_name("imagebuild")
    role = image_build_role(roles, boundary_arn, repository, bucket, project_name)
    project = pipeline_build_project(
        "ImageBuildProject", project_name, "Builds the Dockerfile, pushes it to ECR, registers a SageMaker image version",
        GetAtt(role, "Arn"), contract.IMAGE_BUILD.buildspecs["image-build.yml"],
        {
            contract.ENV_PROJECT_NAME: Ref(PROJECT_NAME_PARAMETER),
            contract.ENV_PROJECT_ID: Ref(PROJECT_ID_PARAMETER),
            contract.ENV_IMAGE_REPOSITORY_URI: GetAtt(repository, "RepositoryUri"),
            contract.ENV_SAGEMAKER_IMAGE_NAME: image.ImageName,  # Ref gives the image's ARN; the CLI wants its name
        },
        timeout_minutes=60,
        privileged=True,
    )
    project.DependsOn = [image.title]  # a build registers versions of the image: it must exist first
    return ImageBuild(repository, image, role, project)


def add_rebuild_schedule_parameter(template: Template) -> Ref:
    """``ImageRebuildSchedule``: the base image is patched by AWS; a weekly rebuild picks that up by default."""
    template.add_parameter(Parameter(
        REBUILD_PARAMETER,
        Type="String",
        Default="rate(7 days)",
        Description="When to rebuild the image from the branch's latest commit, to pick up the base image's "
                    "patches: an EventBridge rate() or cron() expression, in UTC.",
        AllowedPattern=r"^(cron\(.+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$",
    ))
    return Ref(REBUILD_PARAMETER)


def rebuild_rule(schedule, pipeline, events_role_arn) -> events.Rule:
    """Start the image pipeline on ``schedule``: a rebuild of the same commit is a new tag (tags are immutable).

    Named by the project id alone: a rule name has 64 characters, and ``sagemaker-<name>-<id>-`` leaves 6.
    """
    return events.Rule(
        "ImageRebuildRule",
        Name=Sub("sagemaker-${SageMakerProjectId}-image-rebuild"),
        Description="Rebuild the project's image on a schedule",
        State="ENABLED",
        ScheduleExpression=schedule,
        Targets=[events.Target(Id="Pipeline", Arn=pipeline_arn(pipeline), RoleArn=events_role_arn)],
        Tags=project_tags(),
    )
