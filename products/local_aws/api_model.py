"""The requests of operations the local AWS adds to moto, checked against botocore's model of the API.

AWS's front end refuses a request whose members do not fit the operation's input shape (a missing required
member, a wrong type, a string over its length) before the service sees it. moto has no such check for
operations it lacks, so each one the local AWS adds starts here: a malformed request fails naming the member,
as botocore's own client-side validation words it.
"""

import functools

from botocore.exceptions import ParamValidationError
from botocore.session import Session
from botocore.validate import validate_parameters


@functools.cache
def _service_model(service: str):
    return Session().get_service_model(service)


def checked(service: str, operation: str, request: dict, refusal) -> dict:
    """``request`` if ``operation``'s input shape accepts it; else ``refusal(message)`` is raised."""
    try:
        validate_parameters(request, _service_model(service).operation_model(operation).input_shape)
    except ParamValidationError as error:
        raise refusal(f"{operation}: " + "; ".join(error.kwargs["report"].splitlines())) from None
    return request
