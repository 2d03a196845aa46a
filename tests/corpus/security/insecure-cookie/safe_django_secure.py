# expect: none
from django.http import HttpResponse


def login(request):
    response = HttpResponse("ok")
    response.set_cookie("sessionid", "x", secure=True, httponly=True, samesite="Strict")
    return response
