"""The requests of operations the local AWS adds to moto, checked against botocore's model of the API.

AWS's front end refuses a request whose members do not fit the operation's input shape (a missing required
member, a wrong type, a string over its length) before the service sees it. moto has no such check for
operations it lacks, so each one the local AWS adds starts here: a malformed request fails naming the member,
as botocore's own client-side validation words it. ``install`` adds such operations to moto's responses.
"""

import functools
import json

from botocore.exceptions import ParamValidationError
from botocore.session import Session
from botocore.validate import validate_parameters


@functools.cache
def _service_model(service: str):
    return Session().get_service_model(service)


def _enum_problem(value, shape, path: str) -> str | None:
    """A value outside its member's enum, which botocore does not check on the client and AWS refuses."""
    if shape.type_name == "string" and shape.enum and isinstance(value, str) and value not in shape.enum:
        return f"Value '{value}' at '{path}' failed to satisfy constraint: Member must satisfy enum value set: {shape.enum}"
    if shape.type_name == "structure" and isinstance(value, dict):
        found = (_enum_problem(v, shape.members[k], f"{path}.{k}" if path else k)
                 for k, v in value.items() if k in shape.members)
        return next((p for p in found if p), None)
    if shape.type_name == "list" and isinstance(value, list):
        return next((p for p in (_enum_problem(v, shape.member, f"{path}.{i + 1}") for i, v in enumerate(value)) if p), None)
    return None


def checked(service: str, operation: str, request: dict, refusal) -> dict:
    """``request`` if ``operation``'s input shape accepts it (its enums included); else ``refusal(message)``."""
    shape = _service_model(service).operation_model(operation).input_shape
    try:
        validate_parameters(request, shape)
    except ParamValidationError as error:
        raise refusal(f"{operation}: " + "; ".join(error.kwargs["report"].splitlines())) from None
    problem = _enum_problem(request, shape, "")
    if problem:
        raise refusal(f"{operation}: 1 validation error detected: {problem}")
    return request


class Refused(Exception):
    """A request the service refuses, with the API's error ``code`` and HTTP ``status``; nothing was done."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.status = code, status


def _answer(service: str, operation: str, handler, invalid_code: str):
    """A moto response method: the request checked, then ``handler(account, region, caller_role, request)``."""
    def method(self):
        from moto.core.exceptions import JsonRESTError
        from moto.core.responses import ActionResult

        from products.local_aws import iam as emulated_iam

        def error(code: str, message: str, status: int = 400):
            refusal = JsonRESTError(code, message)
            refusal.code = status
            return refusal

        try:
            request = checked(service, operation, json.loads(self.body or "{}"), lambda m: Refused(invalid_code, m))
            answer = handler(self.current_account, self.region, emulated_iam.request_role(self), request)
        except Refused as refused:
            raise error(refused.code, str(refused), refused.status) from None
        return ActionResult(answer or {})
    return method


def install(response_class, service: str, operations: dict, invalid_code: str) -> None:
    """Patch moto's ``response_class`` (in this process) to answer each of ``operations`` (name -> handler)."""
    from moto.core.utils import camelcase_to_underscores

    for operation, handler in operations.items():
        setattr(response_class, camelcase_to_underscores(operation), _answer(service, operation, handler, invalid_code))
