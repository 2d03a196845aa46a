# expect: weak-password-hash@6
import hashlib


def store_user(db, username, password):
    digest = hashlib.md5(password.encode()).hexdigest()
    db.save(username, digest)
