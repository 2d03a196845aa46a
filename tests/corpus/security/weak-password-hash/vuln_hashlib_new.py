# expect: weak-password-hash@6
import hashlib


def register(form):
    password_hash = hashlib.new("md5", form["password"].encode()).hexdigest()
    return password_hash
