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
