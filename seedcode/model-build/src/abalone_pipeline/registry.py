"""The model registry, as the batch and monitor commands read it."""


class NoApprovedModel(RuntimeError):
    pass


def latest_approved_model(sagemaker, group: str) -> dict:
    """The newest Approved package of ``group``: its ARN, image and model data URL."""
    summaries = sagemaker.list_model_packages(
        ModelPackageGroupName=group, ModelApprovalStatus="Approved", SortBy="CreationTime", SortOrder="Descending",
        MaxResults=1,
    )["ModelPackageSummaryList"]
    if not summaries:
        raise NoApprovedModel(f"model package group {group} has no approved model package; approve one in Studio "
                              "(Models > Model registry) first")
    return model_of(sagemaker, summaries[0]["ModelPackageArn"])


def model_of(sagemaker, package_arn: str) -> dict:
    """A package's ARN, image, model data URL and drift baselines (None where it has none)."""
    package = sagemaker.describe_model_package(ModelPackageName=package_arn)
    (container, *_rest) = package["InferenceSpecification"]["Containers"]
    data_quality = package.get("DriftCheckBaselines", {}).get("ModelDataQuality", {})
    return {
        "arn": package_arn, "image": container["Image"], "model_data_url": container["ModelDataUrl"],
        "baseline_statistics": data_quality.get("Statistics", {}).get("S3Uri"),
        "baseline_constraints": data_quality.get("Constraints", {}).get("S3Uri"),
    }
