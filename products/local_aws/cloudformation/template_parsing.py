"""A JSON template read as JSON, as CloudFormation reads it; moto read it as YAML.

moto parses every stack's and change set's template with PyYAML's pure-Python loader first (a JSON document is YAML
too), then again on every read of the stack's template: in the test suite that was some 15 s of the local AWS's CPU
time (py-spy, 2026-12-07), for templates that are all JSON but the model-deploy seed's. CloudFormation reads a body
that is JSON as JSON; a YAML body still goes to moto's reader, unchanged.
"""

import json


def parsed(body: str, moto_parse):
    """The template ``body`` as CloudFormation would read it: JSON if it is JSON, else as ``moto_parse`` reads it."""
    if isinstance(body, str) and body.lstrip().startswith("{"):
        try:
            return json.loads(body)
        except ValueError:
            pass
    return moto_parse(body)


def install() -> None:
    from moto.cloudformation import models

    original = models.Stack.parse_template
    if getattr(original, "local_aws", False):
        return

    def parse_template(template):
        return parsed(template, original)

    parse_template.local_aws = True
    models.Stack.parse_template = staticmethod(parse_template)

    original_change_set = models.ChangeSet._parse_template

    def change_set_parse(change_set):
        def moto_parse(_body):
            original_change_set(change_set)
            return change_set.template_dict
        change_set.template_dict = parsed(change_set.template, moto_parse)

    models.ChangeSet._parse_template = change_set_parse
