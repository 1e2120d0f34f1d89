"""The physical names moto's SageMaker models ignore, given to them as CloudFormation gives them.

moto declares no name property for ``AWS::SageMaker::Model``, ``EndpointConfig``, ``Endpoint`` and
``NotebookInstance``, so a stack names each ``STACK-LOGICALID-RANDOM`` even when the template sets ``ModelName``,
``EndpointConfigName`` or ``EndpointName``. CloudFormation uses the property when it is set ("Name type" in each
type's reference), and the endpoint template names its endpoint ``PROJECT-STAGE`` for the staging test, the
data capture and the drift monitor to find. moto's models take the physical name they are given; this tells moto
which property holds it.
"""

NAME_PROPERTIES = {
    "AWS::SageMaker::Model": "ModelName",
    "AWS::SageMaker::EndpointConfig": "EndpointConfigName",
    "AWS::SageMaker::Endpoint": "EndpointName",
    "AWS::SageMaker::NotebookInstance": "NotebookInstanceName",
}


def install() -> None:
    from moto.cloudformation import parsing

    models = parsing.get_model_map()
    for resource_type, name_property in NAME_PROPERTIES.items():
        models[resource_type].cloudformation_name_type = staticmethod(lambda name=name_property: name)
    parsing.get_name_type_map.cache_clear()
