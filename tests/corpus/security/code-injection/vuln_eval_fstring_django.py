# expect: code-injection@7
from django.http import JsonResponse


def filter_view(request):
    field = request.GET["field"]
    value = eval(f"lambda row: row.{field}")
    return JsonResponse({"ok": callable(value)})
