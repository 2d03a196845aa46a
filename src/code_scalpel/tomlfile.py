"""Reading the TOML files an operator names (config, tokens, mTLS scope map, signing secrets)."""

from __future__ import annotations

import os
import tomllib
from typing import Any

from code_scalpel.errors import InvalidArgument


def read_toml(path: str | os.PathLike[str], what: str, error: type[Exception] = InvalidArgument) -> dict[str, Any]:
    """The file's tables, or ``error`` naming the file and what is wrong (never a traceback at start-up)."""
    where = f"{what} {os.fspath(path)!r}"
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:  # missing, a directory, no permission
        raise error(f"{where} cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise error(f"{where} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where} is not valid TOML: {exc}") from None
