# expect: weak-password-hash@6
import hashlib


def set_credentials(user, text):
    user.password_digest = hashlib.sha1(text.encode()).hexdigest()
