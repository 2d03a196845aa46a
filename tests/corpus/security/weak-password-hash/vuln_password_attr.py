# expect: weak-password-hash@8
import hashlib


class Account:
    def __init__(self, name, password):
        self.name = name
        self.secret = hashlib.sha512(self.password_bytes(password)).hexdigest()

    @staticmethod
    def password_bytes(text):
        return text.encode()
