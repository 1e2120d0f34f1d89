"""The local Lambda runtime's bootstrap: calls one function's handler once, in its own process.

Run by products/local_aws/lambda_runtime.py on the runtime's Python, in the function's unpacked code
folder (Lambda's /var/task). Standard library only: the function's own code and boto3 are what the
runtime's environment adds. Reads the event (JSON) from stdin; writes ``{"result": ...}`` or Lambda's
error shape (errorMessage, errorType, stackTrace) to the file named by $LOCAL_LAMBDA_RESULT.
"""

import importlib
import json
import os
import sys
import time
import traceback


class LambdaContext:
    """The members of Lambda's context object that the catalog's functions may read."""

    def __init__(self, deadline_ms: int):
        self._deadline_ms = deadline_ms
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = os.environ["LOCAL_LAMBDA_FUNCTION_ARN"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.aws_request_id = os.environ["LOCAL_LAMBDA_REQUEST_ID"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _error(error: BaseException) -> dict:
    return {"errorMessage": str(error), "errorType": type(error).__name__,
            "stackTrace": traceback.format_tb(error.__traceback__)}


def main() -> int:
    sys.path.insert(0, os.getcwd())
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    event = json.loads(sys.stdin.read() or "{}")
    context = LambdaContext(int(os.environ["LOCAL_LAMBDA_DEADLINE_MS"]))
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
        answer = {"result": handler(event, context)}
    except Exception as error:  # noqa: BLE001 - the runtime reports every error to the caller
        traceback.print_exc()
        answer = _error(error)
    with open(os.environ["LOCAL_LAMBDA_RESULT"], "w") as result:
        json.dump(answer, result, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
