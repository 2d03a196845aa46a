# expect: weak-password-hash@6
import hashlib


def save(user):
    user.hashed = hashlib.sha256(user.password.encode("utf-8")).hexdigest()
