"""CloudFormation's size limit on a template given inline, which moto does not enforce.

``TemplateBody`` is "a maximum length of 51,200 bytes" (CreateStack, UpdateStack, CreateChangeSet, ValidateTemplate,
CreateStackSet and UpdateStackSet, API Reference; botocore's model has only the minimum); a larger template must be
given by ``TemplateURL`` (an S3 object of up to 1 MB). Service Catalog and SageMaker's S3 route always pass a URL.
"""

TEMPLATE_BODY_LIMIT = 51_200
OPERATIONS = ("create_stack", "update_stack", "create_change_set", "validate_template", "create_stack_set",
              "update_stack_set")


def problem(body: str | None) -> str | None:
    size = len(body.encode("utf-8")) if body else 0
    if size <= TEMPLATE_BODY_LIMIT:
        return None
    return (f"1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have "
            f"length less than or equal to {TEMPLATE_BODY_LIMIT} (it has {size} bytes; give a larger template by "
            "TemplateURL)")


def install() -> None:
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.responses import CloudFormationResponse

    for name in OPERATIONS:
        original = getattr(CloudFormationResponse, name)
        if getattr(original, "local_aws", False):
            continue

        def limited(response, original=original):
            refused = problem(response._get_param("TemplateBody"))
            if refused:
                raise ValidationError(message=refused)
            return original(response)
        limited.local_aws = True
        setattr(CloudFormationResponse, name, limited)
