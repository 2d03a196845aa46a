# expect: none
import hashlib


def checksum(path):
    with open(path, "rb") as fh:
        return hashlib.md5(fh.read()).hexdigest()
