# expect: open-redirect@7
from django.http import HttpResponseRedirect


def go(request):
    target = request.POST.get("target")
    return HttpResponseRedirect(target)
