# expect: weak-random@7
import random
import string


def salt_for(user):
    salt = "".join(random.sample(string.hexdigits, 16))
    return user + salt
