# expect: weak-random@7
import random
import string


def create_invite(user):
    invite_token = "".join(random.choice(string.digits) for _ in range(8))
    return user, invite_token
