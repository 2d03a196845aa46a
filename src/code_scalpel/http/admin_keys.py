"""Key management over HTTP for principals holding the ``admin`` scope.

``GET /admin/keys`` lists, ``POST /admin/keys`` creates (the key, and the
signing secret of a ``require_signature`` key, are in that answer only),
``GET /admin/keys/{id}`` shows usage, ``DELETE /admin/keys/{id}`` revokes,
``POST /admin/keys/{id}/rotate`` rotates (``{"grace": "24h"}``).
The same store and rules as ``codescalpel keys``; authentication has already
happened in the middleware stack, so this only checks the scope.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from code_scalpel.auth.keystore import KeyStore, parse_duration
from code_scalpel.auth.principal import principal_of
from code_scalpel.errors import InvalidArgument, ScalpelError, SymbolNotFound

ADMIN_SCOPE = "admin"


def _error(status: int, error: ScalpelError | str) -> JSONResponse:
    body = error.to_dict() if isinstance(error, ScalpelError) else {"code": "forbidden", "message": error}
    return JSONResponse({"error": body}, status_code=status, headers={"cache-control": "no-store"})


def _issued(store: KeyStore, record: Any, key: str) -> dict[str, Any]:
    """A new key's answer: the key, and its signing secret when it requires signatures (shown only here)."""
    result = {**record.public(), "key": key}
    secret = store.signing_secret(record)
    if secret is not None:
        result["signing_secret"] = secret
    return result


def admin_keys_app(store: KeyStore, challenge: Any = None) -> Router:
    async def guarded(request: Request, work: Any) -> Response:
        principal = principal_of(request.scope)
        if principal is None or not principal.has_scope(ADMIN_SCOPE):
            message = "key management needs the 'admin' scope"
            response = _error(403, message)
            if challenge is not None:
                response.headers["www-authenticate"] = challenge("insufficient_scope", message, ADMIN_SCOPE)
            return response
        try:
            result = await work(request)
        except SymbolNotFound as exc:
            return _error(404, exc)
        except ScalpelError as exc:
            return _error(400, exc)
        return JSONResponse(result, headers={"cache-control": "no-store"})

    async def body(request: Request) -> dict[str, Any]:
        try:
            data = json.loads(await request.body() or b"{}")
        except ValueError:
            raise InvalidArgument("the request body is not JSON") from None
        if not isinstance(data, dict):
            raise InvalidArgument("the request body must be a JSON object")
        return data

    async def list_keys(request: Request) -> Response:
        async def work(_: Request) -> dict[str, Any]:
            return {"keys": [r.public() for r in store.list()]}

        return await guarded(request, work)

    async def create_key(request: Request) -> Response:
        async def work(req: Request) -> dict[str, Any]:
            data = await body(req)
            scopes, tools = data.get("scopes"), data.get("tools")
            if not isinstance(data.get("name"), str) or not isinstance(scopes, list):
                raise InvalidArgument("give 'name' (a string) and 'scopes' (a list)")
            if tools is not None and not isinstance(tools, list):
                raise InvalidArgument("'tools' must be a list of tool names")
            expires = parse_duration(data["expires"]) if data.get("expires") else None
            rate_limit, require_signature = data.get("rate_limit"), data.get("require_signature", False)
            if rate_limit is not None and not isinstance(rate_limit, str):
                raise InvalidArgument("'rate_limit' must be a string in limits notation, e.g. '120/minute'")
            if not isinstance(require_signature, bool):
                raise InvalidArgument("'require_signature' must be true or false")
            record, key = store.create(
                data["name"],
                scopes,
                expires_in=expires,
                tools=tools,
                note=data.get("note"),
                rate_limit=rate_limit,
                require_signature=require_signature,
            )
            return _issued(store, record, key)

        return await guarded(request, work)

    async def one_key(request: Request) -> Response:
        key_id = request.path_params["key_id"]

        async def work(_: Request) -> dict[str, Any]:
            if request.method == "DELETE":
                return store.revoke(key_id).public()
            return {**store.get(key_id).public(), "usage": store.usage(key_id)}

        return await guarded(request, work)

    async def rotate_key(request: Request) -> Response:
        async def work(req: Request) -> dict[str, Any]:
            data = await body(req)
            grace = parse_duration(data["grace"]) if data.get("grace") else 0.0
            new, key, old = store.rotate(req.path_params["key_id"], grace)
            return {**_issued(store, new, key), "replaces": old.public()}

        return await guarded(request, work)

    return Router(
        routes=[
            Route("/", list_keys, methods=["GET"]),
            Route("/", create_key, methods=["POST"]),
            Route("/{key_id}", one_key, methods=["GET", "DELETE"]),
            Route("/{key_id}/rotate", rotate_key, methods=["POST"]),
        ],
        redirect_slashes=False,
    )
