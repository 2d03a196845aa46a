# expect: none
import random
import string

rng = random.SystemRandom()
token = "".join(rng.choice(string.ascii_letters) for _ in range(32))
