"""Step properties: what ``{"Get": "Steps.<name>.<path>"}`` reads after a step has run.

SageMaker documents a step's properties as the response of the Describe call of what the
step created (DescribeProcessingJob, DescribeTrainingJob, DescribeModelPackage, ...). A
path such as ``ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri`` walks that
response: ``.Name`` is a member, ``[0]`` a list index, and ``['train']`` the list item
whose name member (OutputName, InputName, ChannelName, MetricName) is ``train``.
"""

import re

from pipeline_executor.errors import DefinitionError

_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


def parse_path(path: str) -> list:
    """``"A.B['x'][0]"`` -> ``["A", "B", "x", 0]``; a path it cannot read raises DefinitionError."""
    tokens, position = [], 0
    while position < len(path):
        match = _TOKEN.match(path, position)
        if not match or match.end() == position:
            raise DefinitionError(f"cannot read property path {path!r} at character {position}")
        member, index, key, quoted = match.groups()
        tokens.append(int(index) if index is not None else member if member is not None else key if key is not None else quoted)
        position = match.end()
    return tokens


def _by_name(items: list, key: str):
    for item in items:
        if isinstance(item, dict) and any(k.endswith("Name") and v == key for k, v in item.items()):
            return item
    raise KeyError(key)


def lookup(properties: dict, path: str, where: str):
    """The value at ``path``; DefinitionError naming ``where`` (e.g. "Steps.Train") if absent."""
    value = properties
    for token in parse_path(path):
        try:
            if isinstance(value, list) and isinstance(token, str):
                value = _by_name(value, token)
            else:
                value = value[token]
        except (KeyError, IndexError, TypeError):
            raise DefinitionError(f"{where} has no property {path!r} (the executor knows: {sorted(properties)})") from None
    return value
