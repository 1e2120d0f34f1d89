"""Each pipeline of this repo, built from the arguments the command-line tools take (``--kwargs``).

The SageMaker SDK creates an AWS client while it is imported, so it needs a region first: each
builder sets the region, then imports its pipeline module. The command-line tools and the local
run both build their pipelines here, and never import each other for it.
"""

import os


def _region_for_the_sdk(region: str) -> None:
    os.environ.setdefault("AWS_DEFAULT_REGION", region)


def build_pipeline(kwargs: dict):
    """The model-build pipeline (``pipeline.py``): preprocess, train, evaluate, register."""
    _region_for_the_sdk(kwargs["region"])
    from abalone_pipeline.pipeline import get_pipeline

    return get_pipeline(**kwargs)


def build_batch_pipeline(kwargs: dict, model: dict):
    """The batch pipeline (``batch_pipeline.py``) scoring new data with ``model``, an approved package."""
    _region_for_the_sdk(kwargs["region"])
    from abalone_pipeline.batch_pipeline import get_batch_pipeline

    return get_batch_pipeline(
        region=kwargs["region"], role=kwargs["role"], default_bucket=kwargs["default_bucket"],
        pipeline_name=kwargs["pipeline_name"], base_job_prefix=kwargs["base_job_prefix"],
        model_image_uri=model["image"], model_data_url=model["model_data_url"], batch_input_url=kwargs["batch_input_url"],
    )


def build_monitor_pipeline(kwargs: dict, model: dict):
    """The drift monitor (``monitor_pipeline.py``), checking captured requests against ``model``'s baseline."""
    _region_for_the_sdk(kwargs["region"])
    from abalone_pipeline.monitor_pipeline import get_monitor_pipeline

    return get_monitor_pipeline(
        region=kwargs["region"], role=kwargs["role"], default_bucket=kwargs["default_bucket"],
        pipeline_name=kwargs["pipeline_name"], base_job_prefix=kwargs["base_job_prefix"],
        capture_url=kwargs["capture_url"], baseline_statistics_url=model["baseline_statistics"],
        baseline_constraints_url=model["baseline_constraints"],
    )
