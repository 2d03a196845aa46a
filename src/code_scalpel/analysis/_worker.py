"""Child side of :mod:`.fallback`: one JSON request on stdin, one JSON reply on stdout.

Started as ``python3.X -I -S -c <boot> SRC_DIR``; it imports only the standard
library and ``code_scalpel.analysis``.
"""

from __future__ import annotations

import json
import sys
import warnings

from code_scalpel.analysis import fallback
from code_scalpel.errors import ScalpelError


def main() -> None:
    fallback.enabled = False
    # A newer parser warns about things like invalid escapes; the reply is all we want.
    warnings.simplefilter("ignore")
    from code_scalpel.analysis import api

    request = json.loads(sys.stdin.buffer.read().decode("utf-8", "surrogatepass"))
    function = api.PUBLIC[request["function"]]
    try:
        reply = {"result": function(**request["kwargs"])}
    except ScalpelError as exc:
        reply = {"error": {"type": type(exc).__name__, "message": exc.message, "data": exc.data}}
    sys.stdout.buffer.write(json.dumps(reply).encode("utf-8", "surrogatepass"))
    sys.stdout.flush()
