"""Lambda function code shipped inline in product templates (standard library and boto3 only)."""
