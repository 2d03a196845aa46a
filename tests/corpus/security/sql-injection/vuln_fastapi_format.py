# expect: sql-injection@13
import sqlite3

from fastapi import FastAPI

app = FastAPI()


@app.get("/books/{author}")
def books(author: str):
    db = sqlite3.connect("books.db")
    q = "SELECT title FROM books WHERE author = '{}'".format(author)
    return db.execute(q).fetchall()
