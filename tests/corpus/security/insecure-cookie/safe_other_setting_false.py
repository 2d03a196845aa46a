# expect: none
DEBUG = False
SESSION_COOKIE_SECURE = True
USE_TZ = False
