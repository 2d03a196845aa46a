# expect: weak-random@7
import random


class Keys:
    def issue(self):
        api_key = "%032x" % random.getrandbits(128)
        return api_key
