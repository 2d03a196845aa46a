# expect: trust-boundary@7
from django.http import HttpResponse


def set_lang(request):
    lang = request.POST["lang"]
    request.session["user_lang"] = lang
    return HttpResponse("saved")
