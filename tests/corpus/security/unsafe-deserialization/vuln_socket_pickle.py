# expect: unsafe-deserialization@10
import pickle
import socket

server = socket.socket()
server.bind(("127.0.0.1", 9000))
server.listen()
conn, _ = server.accept()
payload = conn.recv(4096)
job = pickle.loads(payload)
