"""``codescalpel keys create|list|revoke|rotate|show``: manage the server's API keys.

The key is printed once, at creation (or rotation); only its hash is stored.
A key created with ``--require-signature`` also gets a signing secret, printed
once beside it; it is derived from the server's master secret, not stored.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from code_scalpel.cli.output import add_json_flag, emit, fail
from code_scalpel.errors import ScalpelError

KEY_WARNING = "Store this key now: it is shown only once and cannot be recovered."
SECRET_WARNING = (
    "Store the signing secret too: it is shown only once. Sign every request with it and "
    "`--key-id {id}` (codescalpel sign)."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("keys", help="manage API keys for --auth apikey", description=__doc__)
    sub = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str, func: Any) -> argparse.ArgumentParser:
        a = sub.add_parser(name, help=help_text, description=help_text)
        a.add_argument("--data-dir", metavar="DIR", help="where the key store lives (default $CODE_SCALPEL_HOME)")
        add_json_flag(a)
        a.set_defaults(func=func)
        return a

    c = action("create", "create a key and print it once", _create)
    c.add_argument("--name", required=True, help="who or what the key is for")
    c.add_argument(
        "--scopes", nargs="+", required=True, metavar="SCOPE", help="tools:read, tools:security, tools:write, admin"
    )
    c.add_argument("--expires", metavar="DURATION", help="lifetime such as 90d, 24h, 2w (default: no expiry)")
    c.add_argument("--tools", nargs="+", metavar="TOOL", help="limit the key to these tools")
    c.add_argument("--note", help="free text kept with the key")
    c.add_argument(
        "--rate-limit",
        metavar="LIMIT",
        help="this key's own rate limit in limits notation, e.g. 120/minute (default: the server's)",
    )
    c.add_argument(
        "--require-signature",
        action="store_true",
        help="every request with this key must be signed; prints the key's signing secret once",
    )
    action("list", "list keys (never the keys themselves)", _list)
    r = action("revoke", "revoke a key at once", _revoke)
    r.add_argument("id")
    ro = action("rotate", "issue a replacement key; the old one keeps working for --grace", _rotate)
    ro.add_argument("id")
    ro.add_argument("--grace", metavar="DURATION", help="how long the old key stays valid, e.g. 24h (default: 0)")
    s = action("show", "one key with its per-tool usage", _show)
    s.add_argument("id")


def _store(args: argparse.Namespace) -> Any:
    from code_scalpel.auth.keystore import KeyStore
    from code_scalpel.datadir import resolve_data_dir

    return KeyStore(resolve_data_dir(args.data_dir))


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _run(args: argparse.Namespace, work: Any, render: Any) -> int:
    try:
        return emit(args, work(), render)
    except ScalpelError as exc:
        return fail(args, exc)


def _create(args: argparse.Namespace) -> int:
    from code_scalpel.auth.keystore import parse_duration

    def work() -> dict[str, Any]:
        expires = parse_duration(args.expires) if args.expires else None
        store = _store(args)
        record, key = store.create(
            args.name,
            args.scopes,
            expires_in=expires,
            tools=args.tools,
            note=args.note,
            rate_limit=args.rate_limit,
            require_signature=args.require_signature,
        )
        return _with_secrets(store, record, key)

    def render(r: dict[str, Any]) -> str:
        _warn(r)
        return (
            f"{r['key']}\n{_secret_line(r)}\nid: {r['id']}  name: {r['name']}  scopes: {' '.join(r['scopes'])}"
            f"  expires: {_when(r['expires'])}  rate limit: {r['rate_limit'] or 'server default'}"
        )

    return _run(args, work, render)


def _with_secrets(store: Any, record: Any, key: str) -> dict[str, Any]:
    result = {**record.public(), "key": key}
    secret = store.signing_secret(record)
    if secret is not None:
        result["signing_secret"] = secret
    return result


def _warn(r: dict[str, Any]) -> None:
    print(KEY_WARNING, file=sys.stderr)
    if "signing_secret" in r:
        print(SECRET_WARNING.format(id=r["id"]), file=sys.stderr)


def _secret_line(r: dict[str, Any]) -> str:
    return f"signing secret: {r['signing_secret']}\n" if "signing_secret" in r else ""


def _list(args: argparse.Namespace) -> int:
    def work() -> dict[str, Any]:
        return {"keys": [r.public() for r in _store(args).list()]}

    def render(r: dict[str, Any]) -> str:
        if not r["keys"]:
            return "no API keys; create one with `codescalpel keys create --name NAME --scopes tools:read`"
        lines = [
            f"{'ID':16} {'NAME':16} {'PREFIX':14} {'SCOPES':28} {'CREATED':20} {'EXPIRES':20} "
            f"{'LAST USED':20} {'CALLS':>6} {'RATE LIMIT':14} {'SIGNED':6} STATE"
        ]
        for k in r["keys"]:
            lines.append(
                f"{k['id']:16} {k['name'][:16]:16} {k['prefix']:14} {' '.join(k['scopes'])[:28]:28} "
                f"{_when(k['created']):20} {_when(k['expires']):20} {_when(k['last_used']):20} "
                f"{k['calls']:>6} {(k['rate_limit'] or 'default')[:14]:14} "
                f"{'yes' if k['require_signature'] else 'no':6} {k['state']}"
            )
        return "\n".join(lines)

    return _run(args, work, render)


def _revoke(args: argparse.Namespace) -> int:
    return _run(args, lambda: _store(args).revoke(args.id).public(), lambda r: f"revoked {r['id']} ({r['name']})")


def _rotate(args: argparse.Namespace) -> int:
    from code_scalpel.auth.keystore import parse_duration

    def work() -> dict[str, Any]:
        grace = parse_duration(args.grace) if args.grace else 0.0
        store = _store(args)
        new, key, old = store.rotate(args.id, grace)
        return {**_with_secrets(store, new, key), "replaces": old.public()}

    def render(r: dict[str, Any]) -> str:
        _warn(r)
        old = r["replaces"]
        until = "now" if old["revoked"] else f"until {_when(old['expires'])}"
        return f"{r['key']}\n{_secret_line(r)}\nid: {r['id']} replaces {old['id']}, which stays valid {until}"

    return _run(args, work, render)


def _show(args: argparse.Namespace) -> int:
    def work() -> dict[str, Any]:
        store = _store(args)
        return {**store.get(args.id).public(), "usage": store.usage(args.id)}

    def render(r: dict[str, Any]) -> str:
        lines = [
            f"{field}: {value}"
            for field, value in (
                ("id", r["id"]),
                ("name", r["name"]),
                ("prefix", r["prefix"]),
                ("scopes", " ".join(r["scopes"])),
                ("tools", " ".join(r["tools"]) if r["tools"] else "all permitted by scopes"),
                ("note", r["note"] or "-"),
                ("created", _when(r["created"])),
                ("expires", _when(r["expires"])),
                ("state", r["state"]),
                ("rate limit", r["rate_limit"] or "server default"),
                (
                    "signature",
                    "required (sign with --key-id " + r["id"] + ")" if r["require_signature"] else "optional",
                ),
                ("last used", _when(r["last_used"])),
                ("calls", r["calls"]),
                ("errors", r["errors"]),
            )
        ]
        lines.append("usage per tool:" if r["usage"] else "usage per tool: none yet")
        lines += [
            f"  {u['tool']:28} calls {u['calls']:>6}  errors {u['errors']:>4}  last {_when(u['last_used'])}"
            for u in r["usage"]
        ]
        return "\n".join(lines)

    return _run(args, work, render)
