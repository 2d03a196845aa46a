# expect: unsafe-deserialization@8
import marshal

from django.http import JsonResponse


def load_code(request):
    obj = marshal.loads(request.body)
    return JsonResponse({"type": type(obj).__name__})
