"""botocore's data (API models, endpoints, partitions), each loaded once per process and kind of loader.

botocore keeps what it loaded per Loader, and every boto3 Session has a Loader of its own, so each new session reads
and decodes the same JSON again. The publisher opens sessions per region and run, and moto opens one to list the
regions of every service it sets up: in the test suite, decoding those files was 40% of the CPU time of the local
AWS's processes and of the test workers (py-spy, 2026-12-07).

What is shared is each model as a Loader returns it, its extras merged, keyed by what decides that result: the
loader's class, search paths and extras types. moto's own Loader merges its ``moto-extras`` (operations and errors
AWS does not have) into the models it loads, so it never shares them with botocore's: an S3 client must not gain
moto's PostObject. botocore already shares one loaded model among all the clients of a session.
"""

import functools
import threading

from botocore import loaders

_LOADED: dict[tuple, object] = {}
_LOADING = threading.RLock()  # a model is loaded, and its extras merged, by one thread; loading may nest


def _shared(method):
    @functools.wraps(method)
    def load(self, *args, **kwargs):
        key = (type(self), tuple(self.search_paths), tuple(self.extras_types), method.__name__, args,
               tuple(sorted(kwargs.items())))
        if key not in _LOADED:
            with _LOADING:
                if key not in _LOADED:
                    _LOADED[key] = method(self, *args, **kwargs)
        return _LOADED[key]

    load.read_once = True
    return load


def read_once() -> None:
    """From now on, Loaders of one kind share each model and data file in this process. A second call is a no-op."""
    if getattr(loaders.Loader.load_service_model, "read_once", False):
        return
    for name in ("load_service_model", "load_data", "load_data_with_path"):  # a session reads endpoints by the last
        setattr(loaders.Loader, name, _shared(getattr(loaders.Loader, name)))
