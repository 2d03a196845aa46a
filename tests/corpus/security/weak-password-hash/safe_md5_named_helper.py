# expect: none
class Fingerprint:
    def md5(self, password_hint):
        return len(password_hint)


print(Fingerprint().md5("my password hint"))
