# expect: none
import hashlib
import hmac


def sign(key, message):
    return hmac.new(key, message, hashlib.sha256).hexdigest()
