"""SageMaker hosting in the local AWS: the endpoint configurations AWS refuses for an endpoint's type, which moto
creates anyway.

Installed in the moto_server process, on moto's own SageMaker backend (so the API and CloudFormation both meet it):

- a model keeps its ``EnableNetworkIsolation`` (moto drops it, on the API and in its CloudFormation model);
- CreateEndpointConfig refuses, for a serverless variant, what AWS excludes from serverless endpoints (SageMaker
  developer guide, Serverless Inference, "Feature exclusions"): data capture, more than one production variant, and
  a variant that names instances besides its ServerlessConfig;
- CreateEndpoint refuses a serverless configuration whose model is network-isolated (the same list);
- updating an endpoint from an instance-based configuration to a serverless one is refused with ValidationError, as
  the same page says AWS does; moto's CloudFormation model replaced the endpoint instead, so a stack update that
  fails in AWS went through here. The reverse (serverless to instances) is allowed, as in AWS.

The refusals' wording is ours; AWS documents the refusal (ValidationError), not its text.
"""

class HostingRefused(Exception):
    """What AWS would refuse; the message says which feature and why."""


def is_serverless(config) -> bool:
    return any("ServerlessConfig" in variant for variant in config.production_variants)


def check_endpoint_config(production_variants: list[dict], data_capture_config: dict | None) -> None:
    serverless = [v for v in production_variants if v.get("ServerlessConfig")]
    if not serverless:
        return
    named = serverless[0].get("VariantName", "")
    if len(production_variants) > 1:
        raise HostingRefused(f"variant {named}: a serverless endpoint has exactly one production variant "
                             "(Serverless Inference feature exclusions: multiple production variants)")
    if serverless[0].get("InstanceType") or serverless[0].get("InitialInstanceCount"):
        raise HostingRefused(f"variant {named}: a serverless variant takes ServerlessConfig, not InstanceType or "
                             "InitialInstanceCount")
    if data_capture_config and data_capture_config.get("EnableCapture", True):
        raise HostingRefused("DataCaptureConfig: AWS excludes data capture from serverless endpoints "
                             "(Serverless Inference feature exclusions)")


def check_endpoint(backend, config_name: str, endpoint=None) -> None:
    """A serverless configuration's model may not be network-isolated; an instance-based ``endpoint`` (being
    updated) may not become serverless. The endpoint's own variants say what it runs on: its previous configuration
    may be gone already (moto's CloudFormation deletes a replaced configuration first)."""
    config = backend.endpoint_configs.get(config_name)
    if config is None or not is_serverless(config):
        return
    for variant in config.production_variants:
        model = backend._models.get(variant.get("ModelName", ""))
        if model is not None and getattr(model, "enable_network_isolation", False):
            raise HostingRefused(f"model {model.model_name}: AWS excludes network isolation from serverless endpoints "
                                 "(Serverless Inference feature exclusions)")
    if endpoint is not None and any("CurrentServerlessConfig" not in v for v in endpoint.production_variants):
        raise HostingRefused(f"endpoint configuration {config_name} is serverless, and an instance-based endpoint "
                             "cannot be updated to serverless (Serverless Inference feature exclusions): delete the "
                             "endpoint (its stage stack) and create it again")


def _validation_error(message: str):
    from moto.sagemaker.exceptions import ValidationError

    return ValidationError(message=message)


def _keep_network_isolation(models_module, responses_module) -> None:
    original_api = responses_module.SageMakerResponse.create_model

    def create_model(self):
        result = original_api(self)
        model = self.sagemaker_backend._models.get(self._get_param("ModelName"))
        if model is not None:
            model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
        return result

    responses_module.SageMakerResponse.create_model = create_model
    original_cfn = models_module.Model.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        model = original_cfn(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        isolation = cloudformation_json.get("Properties", {}).get("EnableNetworkIsolation", False)
        model.enable_network_isolation = str(isolation).lower() == "true"
        return model

    models_module.Model.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)


def _refuse_excluded_configs(models_module) -> None:
    original_config = models_module.SageMakerModelBackend.create_endpoint_config

    def create_endpoint_config(self, **kwargs):
        try:
            check_endpoint_config(kwargs.get("production_variants") or [], kwargs.get("data_capture_config"))
        except HostingRefused as refused:
            raise _validation_error(str(refused)) from None
        return original_config(self, **kwargs)

    models_module.SageMakerModelBackend.create_endpoint_config = create_endpoint_config


def _refuse_excluded_endpoints(models_module) -> None:
    original_endpoint = models_module.SageMakerModelBackend.create_endpoint
    original_update = models_module.FakeEndpoint.update_from_cloudformation_json.__func__

    def create_endpoint(self, **kwargs):
        try:
            check_endpoint(self, kwargs["endpoint_config_name"])
        except HostingRefused as refused:
            raise _validation_error(str(refused)) from None
        return original_endpoint(self, **kwargs)

    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id,
                                        region_name):
        backend = models_module.sagemaker_backends[account_id][region_name]
        try:
            check_endpoint(backend, cloudformation_json["Properties"]["EndpointConfigName"], original_resource)
        except HostingRefused as refused:
            raise _validation_error(str(refused)) from None
        return original_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)

    models_module.SageMakerModelBackend.create_endpoint = create_endpoint
    models_module.FakeEndpoint.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)


def install() -> None:
    """Patch moto's SageMaker (in this process) as the module docstring says."""
    from moto.sagemaker import models as models_module, responses as responses_module

    _keep_network_isolation(models_module, responses_module)
    _refuse_excluded_configs(models_module)
    _refuse_excluded_endpoints(models_module)
