# expect: code-injection@3
source = input("snippet> ")
program = compile(source, "<user>", "exec")
