# expect: path-traversal@7
from starlette.responses import FileResponse


async def avatar(request):
    user = request.path_params["user"]
    return FileResponse(f"/srv/avatars/{user}.png")
