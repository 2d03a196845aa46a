# expect: none
import random


def shuffle_playlist(songs):
    order = list(songs)
    random.shuffle(order)
    return order
