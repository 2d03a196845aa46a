# expect: sql-injection@9
from django.db import connection
from django.http import JsonResponse


def search(request):
    term = request.GET["q"]
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM items WHERE title LIKE '%{term}%'")
        rows = cur.fetchall()
    return JsonResponse({"rows": rows})
