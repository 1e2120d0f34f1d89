"""Local Git remotes standing in for a provider's repositories in the seed check-in tests."""

import subprocess
from pathlib import Path


def git(*args, cwd=None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def bare_repository(path: Path) -> Path:
    """An empty repository, as a team creates it on GitHub before creating the project."""
    git("init", "--bare", "--quiet", str(path))
    return path


def push_team_commit(remote: Path, branch: str, work: Path) -> None:
    """One commit of the team's own work on ``branch`` of ``remote``."""
    git("clone", "--quiet", remote.as_uri(), str(work))
    (work / "train.py").write_text("# the team's own work\n")
    git("add", "train.py", cwd=work)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "ours", cwd=work)
    git("push", "--quiet", "origin", f"HEAD:refs/heads/{branch}", cwd=work)


def refs(remote: Path) -> str:
    return git("for-each-ref", cwd=remote)
