# expect: none
from django.http import JsonResponse

from shop.models import Product


def product(request):
    name = request.GET.get("name")
    items = Product.objects.filter(name=name).values("id", "price")
    return JsonResponse({"items": list(items)})
