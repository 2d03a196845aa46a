# expect: none
import random


def pick_colors(n):
    colors = ["red", "green", "blue", "black"]
    return random.sample(colors, n)
