# expect: weak-random@6
import random


def send_otp(phone, sms):
    otp = str(random.randrange(100000, 999999))
    sms.send(phone, otp)
