# expect: weak-random@6
from random import random


def csrf_value():
    csrf = str(random())
    return csrf
