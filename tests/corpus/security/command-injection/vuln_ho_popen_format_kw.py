# expect: command-injection@10
import subprocess

from django.http import JsonResponse


def convert(request):
    src = request.GET.get("src")
    cmd = "ffmpeg -i {src} out.mp4".format(src=src)
    proc = subprocess.Popen(cmd, shell=True)
    return JsonResponse({"pid": proc.pid})
