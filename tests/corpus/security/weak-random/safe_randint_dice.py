# expect: none
import random


def roll_dice():
    return random.randint(1, 6)
