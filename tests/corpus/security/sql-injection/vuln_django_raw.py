# expect: sql-injection@9
from django.http import JsonResponse

from shop.models import Product


def product_list(request):
    order = request.GET.get("order", "name")
    products = Product.objects.raw("SELECT * FROM shop_product ORDER BY %s" % order)
    return JsonResponse({"n": len(list(products))})
