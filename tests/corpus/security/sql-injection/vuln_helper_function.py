# expect: sql-injection@12
import sqlite3
import sys


def build_query(table, key):
    return "SELECT * FROM " + table + " WHERE key = '" + key + "'"


def main():
    conn = sqlite3.connect("kv.db")
    conn.execute(build_query("kv", sys.argv[1]))


main()
