# expect: weak-password-hash@6
import hashlib


def check(user, pwd):
    return hashlib.sha1(pwd.encode()).hexdigest() == user.pwd_hash
