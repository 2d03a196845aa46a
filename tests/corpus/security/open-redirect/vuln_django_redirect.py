# expect: open-redirect@6
from django.shortcuts import redirect


def after_login(request):
    return redirect(request.GET["return_to"])
