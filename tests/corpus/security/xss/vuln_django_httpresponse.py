# expect: xss@7
from django.http import HttpResponse


def echo(request):
    msg = request.GET.get("msg")
    return HttpResponse("<div>" + msg + "</div>")
