# expect: weak-random@6
import random


def new_session():
    session_id = random.randint(10**9, 10**10)
    return session_id
