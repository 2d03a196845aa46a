# expect: xxe@7
from django.http import JsonResponse
from lxml import etree


def import_feed(request):
    tree = etree.fromstring(request.body)
    return JsonResponse({"tag": tree.tag})
