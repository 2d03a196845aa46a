# expect: xpath-injection@9
from django.http import HttpResponse
from lxml import etree


def book(request):
    doc = etree.parse("/srv/books.xml")
    title = request.GET["title"]
    hits = doc.xpath(f"//book[title='{title}']/price/text()")
    return HttpResponse(str(hits))
