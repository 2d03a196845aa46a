# expect: weak-password-hash@8
import hashlib
import os


def hash_password(plain):
    salt = os.urandom(16)
    return salt + hashlib.sha256(salt + plain.encode()).digest()
