# expect: trust-boundary@7
from django.http import HttpResponse


def store(request):
    prefs = {"theme": request.GET["theme"]}
    request.session["theme"] = prefs["theme"]
    return HttpResponse("ok")
