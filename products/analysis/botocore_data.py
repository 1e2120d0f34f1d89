"""botocore's data files (API models, endpoints, partitions), each read and decoded once per process.

botocore keeps what it loaded per Loader, and every boto3 Session has a Loader of its own, so each new session reads
and decodes the same JSON again. The publisher opens sessions per region and run, and moto opens one to list the
regions of every service it sets up: in the test suite, decoding those files was 40% of the CPU time of the local
AWS's processes and of the test workers (py-spy, 2026-12-07). Sharing the decoded files changes nothing botocore
does with them: it already shares one decoded file among all the clients of a session.
"""

import functools

from botocore import loaders


def read_once() -> None:
    """From now on, every botocore Loader of this process shares each decoded data file. Calling it again is a no-op."""
    original = loaders.JSONFileLoader.load_file
    if getattr(original, "read_once", False):
        return
    decoded: dict[str, object] = {}

    @functools.wraps(original)
    def load_file(self, file_path):
        if file_path not in decoded:
            decoded[file_path] = original(self, file_path)
        return decoded[file_path]

    load_file.read_once = True
    loaders.JSONFileLoader.load_file = load_file
