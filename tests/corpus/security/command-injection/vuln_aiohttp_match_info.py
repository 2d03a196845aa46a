# expect: command-injection@9
import asyncio

from aiohttp import web


async def convert(request):
    fmt = request.match_info["fmt"]
    proc = await asyncio.create_subprocess_shell("convert in.png out." + fmt)
    await proc.wait()
    return web.Response(text="done")
