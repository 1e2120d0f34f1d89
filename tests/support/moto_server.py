"""moto_server with HTTPS bucket-policy semantics (see moto_tls), for subprocess tests.

    python -m tests.support.moto_server PORT
"""

import sys

from tests.support import moto_tls


def main() -> None:
    moto_tls.install()
    from moto.server import main as moto_main

    moto_main(["-H", "127.0.0.1", "-p", sys.argv[1]])


if __name__ == "__main__":
    main()
