"""CodePipeline V2 Git triggers in the local AWS: a push to a repository of the Git host stand-in starts the
pipelines whose trigger names that repository's branch.

A V2 pipeline's trigger (``ProviderType: CodeStarSourceConnection``) names its source action; that action's
``ConnectionArn`` and ``FullRepositoryId`` name the repository, and the trigger's push filters the branches
(``Includes`` and ``Excludes``, glob patterns). In AWS the provider's webhook reaches CodeConnections and the pipeline
starts with trigger type ``WebhookV2`` (CodePipeline User Guide, "Add trigger with code push or pull request event
types"). Here the Git host's post-receive hook logs each push (git_host.pushes) and a thread of the emulator reads
the log, starting each matching pipeline of any account and region. Pushed tags and pull requests start nothing
(their filters are not emulated), nor does a trigger without a push filter.
"""

import fnmatch
import sys
import threading
import time

from products.local_aws import git_host

POLL_SECONDS = 0.2  # how often the log is read: the webhook's delay, here


def _matches(filters: dict, branch: str) -> bool:
    includes, excludes = filters.get("includes", []), filters.get("excludes", [])
    return any(fnmatch.fnmatchcase(branch, p) for p in includes) and not any(
        fnmatch.fnmatchcase(branch, p) for p in excludes)


def _triggered(pipeline: dict, push: dict, branch: str) -> bool:
    """Whether one of the pipeline's Git triggers names the pushed repository and branch."""
    actions = {a["name"]: a for stage in pipeline.get("stages", []) for a in stage.get("actions", [])}
    for trigger in pipeline.get("triggers", []):
        git = trigger.get("gitConfiguration", {})
        source = actions.get(git.get("sourceActionName"), {}).get("configuration", {})
        connection = source.get("ConnectionArn", "").split(":")
        if trigger.get("providerType") != "CodeStarSourceConnection" or len(connection) < 6:
            continue
        if (connection[4], connection[3], connection[5].split("/", 1)[-1]) != (
                push["account"], push["region"], push["connection"]):
            continue
        if source.get("FullRepositoryId") == push["full_name"] and any(
                _matches(f.get("branches", {}), branch) for f in git.get("push", [])):
            return True
    return False


def start_triggered(push: dict) -> list[str]:
    """Start every pipeline a push triggers; their names."""
    from moto.codepipeline.models import codepipeline_backends

    from products.local_aws import codepipeline_runs

    if not push["ref"].startswith("refs/heads/") or set(push["commit"]) == {"0"}:  # a tag, or a deleted branch
        return []
    branch, started = push["ref"].removeprefix("refs/heads/"), []
    for account, regions in list(codepipeline_backends.items()):
        for region, backend in list(regions.items()):
            for name, stored in list(backend.pipelines.items()):
                if _triggered(stored.pipeline, push, branch):
                    codepipeline_runs.start(account, region, name, {
                        "triggerType": "WebhookV2", "triggerDetail": f"{push['full_name']}@{branch} {push['commit']}"})
                    started.append(name)
    return started


def _watch() -> None:
    """Read the log for as long as the emulator runs; a push that cannot be handled is one line, not the end."""
    offset = 0
    while True:
        try:
            found, offset = git_host.pushes(offset)
        except (OSError, ValueError) as error:  # a line the hook wrote badly: skip the log's rest, say so
            print(f"codepipeline: the Git host's push log could not be read: {error}", file=sys.stderr)
            offset = (git_host.root() / git_host.PUSHES).stat().st_size
            found = []
        for push in found:
            try:
                start_triggered(push)
            except Exception as error:  # noqa: BLE001 - e.g. a pipeline deleted meanwhile
                print(f"codepipeline: the push {push} started nothing: {type(error).__name__}: {error}",
                      file=sys.stderr)
        time.sleep(POLL_SECONDS)


def install() -> None:
    """Start reading the Git host's pushes (in this process, for as long as it runs)."""
    threading.Thread(target=_watch, name="codepipeline-git-triggers", daemon=True).start()
