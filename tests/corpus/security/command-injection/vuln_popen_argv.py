# expect: command-injection@6
import os
import sys

target = sys.argv[1]
listing = os.popen("ls -la %s" % target).read()
print(listing)
