"""Lambda function code shipped inline in product templates (standard library and boto3 only).

Each module is the whole source of one function, as AWS runs it; the tests and the local AWS run
the same code in process. May import: this package only (``cfn_response``), inlined beside it.
"""
