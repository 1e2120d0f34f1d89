"""botocore's data files decoded once per process (products/analysis/botocore_data.py)."""

import botocore.session

from products.analysis import botocore_data


def _sagemaker_model(session):
    return session.get_component("data_loader").load_service_model("sagemaker", "service-2")


def test_two_sessions_share_one_decoded_model_and_endpoints():
    botocore_data.read_once()
    botocore_data.read_once()  # a second call changes nothing
    first, second = botocore.session.get_session(), botocore.session.get_session()
    assert first.get_component("data_loader") is not second.get_component("data_loader")
    assert _sagemaker_model(first) is _sagemaker_model(second)
    assert first.get_component("data_loader").load_data("endpoints") is second.get_component("data_loader").load_data("endpoints")


def test_the_shared_model_is_botocores_own():
    botocore_data.read_once()
    model = _sagemaker_model(botocore.session.get_session())
    assert model["metadata"]["endpointPrefix"] == "api.sagemaker"
    assert "CreateProject" in model["operations"]


def test_motos_extras_stay_in_motos_models():
    """moto's Loader merges operations and errors AWS does not have; a boto3 client must not see them."""
    import boto3
    from moto.core.loaders import create_loader

    botocore_data.read_once()
    moto_model = create_loader().load_service_model("s3", "service-2")
    assert "PostObject" in moto_model["operations"]  # moto's extra
    client = boto3.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x").client("s3")
    assert not hasattr(client, "post_object")
    assert "PostObject" not in botocore.session.get_session().get_component("data_loader").load_service_model(
        "s3", "service-2")["operations"]
