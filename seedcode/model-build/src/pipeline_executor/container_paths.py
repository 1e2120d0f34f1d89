"""Run a Python program as if the container's /opt/ml were a local folder.

Started as ``python container_paths.py <local /opt/ml> <program> [arguments...]`` by the
executor, before the program imports anything: it maps every path under /opt/ml onto the
local folder in Python's file functions (open, io.open, os.* calls that take paths), then
runs the program as __main__. A stand-in for the container's file system without Docker:
code that opens files from C (not through Python) still sees the real /opt/ml and fails
with "No such file or directory" naming /opt/ml, never a wrong file.
"""

import builtins
import io
import os
import runpy
import sys

CONTAINER_ROOT = "/opt/ml"
_PATH_FUNCTIONS = (
    "stat", "lstat", "listdir", "scandir", "mkdir", "makedirs", "remove", "unlink", "rmdir", "rename",
    "replace", "access", "chdir", "open", "utime", "chmod", "readlink", "symlink", "link", "truncate",
)


def _mapper(local_root: str):
    def to_local(path):
        if isinstance(path, int):
            return path
        text = os.fsdecode(os.fspath(path)) if isinstance(path, (str, bytes, os.PathLike)) else path
        if isinstance(text, str) and (text == CONTAINER_ROOT or text.startswith(CONTAINER_ROOT + "/")):
            return local_root + text[len(CONTAINER_ROOT):]
        return path
    return to_local


def _wrap(function, to_local, positions=(0,)):
    def wrapped(*args, **kwargs):
        args = list(args)
        for position in positions:
            if position < len(args):
                args[position] = to_local(args[position])
        for key in ("path", "file", "src", "dst"):
            if key in kwargs:
                kwargs[key] = to_local(kwargs[key])
        return function(*args, **kwargs)
    wrapped.__wrapped__ = function
    return wrapped


def install(local_root: str) -> None:
    to_local = _mapper(os.path.abspath(local_root))
    builtins.open = io.open = _wrap(io.open, to_local)
    for name in _PATH_FUNCTIONS:
        if hasattr(os, name):
            two_paths = name in ("rename", "replace", "symlink", "link")
            setattr(os, name, _wrap(getattr(os, name), to_local, (0, 1) if two_paths else (0,)))


def main() -> None:
    local_root, program, *arguments = sys.argv[1:]
    install(local_root)
    program = _mapper(os.path.abspath(local_root))(program)
    sys.argv = [program, *arguments]
    sys.path.insert(0, os.path.dirname(program))
    runpy.run_path(program, run_name="__main__")


if __name__ == "__main__":
    main()
