# expect: insecure-cookie@7
from starlette.responses import JSONResponse


async def login(request):
    response = JSONResponse({"ok": True})
    response.set_cookie(key="auth", value="t", httponly=False, secure=True)
    return response
