# expect: none
from django.http import JsonResponse
from lxml import etree


def feed(request):
    doc = etree.fromstring(request.body, parser=etree.XMLParser(resolve_entities=False))
    return JsonResponse({"tag": doc.tag})
