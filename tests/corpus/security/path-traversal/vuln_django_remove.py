# expect: path-traversal@9
import os

from django.http import HttpResponse


def delete_upload(request):
    target = request.POST["path"]
    os.remove(f"/var/uploads/{target}")
    return HttpResponse("deleted")
