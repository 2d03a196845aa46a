# expect: command-injection@7
import subprocess


def handler(request):
    script = request.POST.get("script")
    subprocess.call(["/bin/sh", "-c", script])
    return None
