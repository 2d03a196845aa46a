# expect: insecure-cookie@3
SECRET_KEY_FILE = "/etc/app/key"
SESSION_COOKIE_SECURE = False
SESSION_COOKIE_HTTPONLY = True
