# expect: ldap-injection@10
import ldap
from django.http import HttpResponse


def lookup(request):
    mail = request.GET["mail"]
    filt = "(&(objectClass=person)(mail={}))".format(mail)
    conn = ldap.initialize("ldap://dir")
    return HttpResponse(str(conn.search_s("ou=people,dc=x", ldap.SCOPE_SUBTREE, filt)))
