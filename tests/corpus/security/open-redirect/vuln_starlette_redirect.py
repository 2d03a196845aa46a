# expect: open-redirect@7
from starlette.responses import RedirectResponse


async def jump(request):
    dest = request.query_params["dest"]
    return RedirectResponse(url=dest)
