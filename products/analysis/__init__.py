"""Reading rendered templates as AWS would, without deploying them.

- ``resolve``: a template's values for one sample project, as CloudFormation would compute them.
- ``parameter_constraints``: whether a parameter value is one its declaration allows, in CloudFormation's words.
- ``template_rules``: whether the parameter values keep a template's Rules (their assertions' descriptions if not).
- ``iam_evaluator``: whether policies allow a request, by IAM's documented evaluation rules.
- ``iam_resources``: the action, resource ARN and condition context of each API request.
- ``registry_schemas``: the CloudFormation registry schemas cfn-lint bundles, by resource type.
- ``handler_permissions``: what CloudFormation calls to manage each resource type (registry schemas).
- ``replacement``: whether an update replaces a resource (its type's create-only properties).
- ``portfolio_access``: whether a Service Catalog portfolio's principals let a role in.
- ``grant_matrix``: every cross-account call and the policies on both sides that allow it.
- ``botocore_data``: botocore's API models and endpoints loaded once per process and kind of loader, not per session.

May import: this package only (plain data in, plain data out), so tests, publishing and the
local AWS can all use it.
"""
