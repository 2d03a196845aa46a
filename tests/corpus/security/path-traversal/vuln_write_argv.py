# expect: path-traversal@5
import sys

out_name = sys.argv[1]
with open(out_name, "w") as out:
    out.write("report")
