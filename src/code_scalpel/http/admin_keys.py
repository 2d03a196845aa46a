"""Key management over HTTP for principals holding the ``admin`` scope.

``GET /admin/keys`` lists, ``POST /admin/keys`` creates (the key is in that
answer only), ``GET /admin/keys/{id}`` shows usage, ``DELETE /admin/keys/{id}``
revokes, ``POST /admin/keys/{id}/rotate`` rotates (``{"grace": "24h"}``).
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
            record, key = store.create(data["name"], scopes, expires_in=expires, tools=tools, note=data.get("note"))
            return {**record.public(), "key": key}

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
            return {**new.public(), "key": key, "replaces": old.public()}

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
