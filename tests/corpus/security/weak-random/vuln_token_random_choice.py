# expect: weak-random@7
import random
import string


def make_reset_token():
    return "".join(random.choice(string.ascii_letters) for _ in range(32))
