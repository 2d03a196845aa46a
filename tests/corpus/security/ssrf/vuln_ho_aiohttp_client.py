# expect: ssrf@9
import aiohttp
from aiohttp import web


async def proxy(request):
    target = request.query["target"]
    async with aiohttp.ClientSession() as session:
        async with session.get(target) as resp:
            return web.json_response({"status": resp.status})
