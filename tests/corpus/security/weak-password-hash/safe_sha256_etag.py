# expect: none
import hashlib


def etag(body):
    return hashlib.sha256(body).hexdigest()
