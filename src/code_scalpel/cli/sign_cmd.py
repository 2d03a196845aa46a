"""``codescalpel sign``: print the headers that sign one request, for curl and scripts.

    curl -X POST URL -H 'Authorization: Bearer …' \\
         $(codescalpel sign --key-id ID --secret S --method POST --url URL --body req.json | sed 's/^/-H /')

The body must be sent byte for byte as signed (``curl --data-binary @req.json``).
For an API key created with ``--require-signature`` the key id is that key's
id (``key_…``, not the key itself) and the secret its ``signing_secret``.
"""

from __future__ import annotations

import argparse
import os
import sys

from code_scalpel.cli.output import fail
from code_scalpel.errors import InvalidArgument


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "sign",
        help="print signature headers for a request",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--key-id",
        required=True,
        help="the API key's id (key_…, from `keys create`) for a key with --require-signature, "
        "or an id from the --signing-secrets file",
    )
    p.add_argument("--secret", help="the signing secret (default: $CODE_SCALPEL_SIGNING_SECRET)")
    p.add_argument("--method", default="POST", help="HTTP method (default POST)")
    p.add_argument("--url", required=True, help="the full URL the request goes to")
    p.add_argument("--body", metavar="FILE", help="file with the exact body bytes ('-' for stdin); empty if absent")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from code_scalpel.auth.signing import sign_request

    secret = args.secret or os.environ.get("CODE_SCALPEL_SIGNING_SECRET")
    if not secret:
        return fail(args, InvalidArgument("pass --secret or set $CODE_SCALPEL_SIGNING_SECRET"))
    body = b""
    if args.body == "-":
        body = sys.stdin.buffer.read()
    elif args.body:
        try:
            with open(args.body, "rb") as handle:
                body = handle.read()
        except OSError as exc:
            return fail(args, InvalidArgument(f"cannot read body file {args.body!r}: {exc.strerror}"))
    for name, value in sign_request(args.key_id, secret, args.method, args.url, body).items():
        print(f"{name}: {value}")
    return 0
