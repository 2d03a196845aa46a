# expect: ssrf@9
import requests
from django.http import HttpResponse


def webhook(request):
    session = requests.Session()
    callback = request.POST["callback"]
    session.post(callback, json={"ok": True})
    return HttpResponse("queued")
