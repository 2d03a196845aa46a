# expect: none
import random
import time


def backoff(attempt):
    delay = min(30, 2**attempt) + random.random()
    time.sleep(delay)
