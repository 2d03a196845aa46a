# expect: none
import hashlib


def cache_key(url, params):
    raw = url + "?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    return hashlib.sha1(raw.encode()).hexdigest()
