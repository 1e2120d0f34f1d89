"""From a template's properties (PascalCase, as CloudFormation's resource specification names them) to an API
request's members (camelCase, as the service's API model names them), for the services whose APIs differ."""


def api_members(value, keep_keys_of: frozenset = frozenset(), renames: dict | None = None):
    """``value`` with every key's first letter lowered (and ``renames`` applied); the keys inside a member named
    in ``keep_keys_of`` are the user's own (an action's configuration) and stay as they are."""
    renames = renames or {}
    if isinstance(value, list):
        return [api_members(item, keep_keys_of, renames) for item in value]
    if not isinstance(value, dict):
        return value
    members = {}
    for key, item in value.items():
        name = renames.get(key, key[:1].lower() + key[1:])
        members[name] = item if key in keep_keys_of else api_members(item, keep_keys_of, renames)
    return members


def api_tags(tags: list | None) -> list:
    """Tags as the JSON APIs take them: [{"key": .., "value": ..}]."""
    return [{"key": tag["Key"], "value": tag["Value"]} for tag in tags or []]
