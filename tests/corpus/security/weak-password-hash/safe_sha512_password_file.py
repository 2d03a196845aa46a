# expect: none
import hashlib
import os


def store(value):
    algorithm = "SHA512"
    md = hashlib.new(algorithm)
    md.update(value.encode())
    with open(os.path.join("/srv/data", "passwordFile.txt"), "a") as fw:
        fw.write("hash_value=" + md.hexdigest() + "\n")
