"""The one folder where the server and every subcommand keep what they write."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "CODE_SCALPEL_HOME"


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--data-dir``, else ``$CODE_SCALPEL_HOME``, else the user's data directory; created owner-only."""
    if explicit:
        path = Path(explicit)
    elif os.environ.get(ENV_VAR):
        path = Path(os.environ[ENV_VAR])
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("code-scalpel", appauthor=False))
    path = path.expanduser().resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkdir's mode is masked by the umask and ignored for an existing folder.
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path
