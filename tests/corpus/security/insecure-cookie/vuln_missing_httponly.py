# expect: insecure-cookie@7
from django.http import HttpResponse


def login(request):
    response = HttpResponse("ok")
    response.set_cookie("sessionid", "x", secure=True)
    return response
