# expect: xpath-injection@6
from lxml import etree

tree = etree.parse("/srv/catalog.xml")
sku = input("sku: ")
print(tree.xpath("//product[sku='" + sku + "']"))
