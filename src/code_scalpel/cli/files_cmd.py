"""``codescalpel analyze|extract|outline``: per-file analysis from the command line."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    pass
