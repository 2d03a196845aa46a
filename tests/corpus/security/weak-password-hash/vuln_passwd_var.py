# expect: weak-password-hash@5
from hashlib import md5

passwd = input("new password: ")
print(md5(passwd.encode()).hexdigest())
