# expect: none
import secrets
import string


def new_password():
    return "".join(secrets.choice(string.ascii_letters) for _ in range(16))
