# expect: none
import subprocess
import sys

cmd = sys.argv[1]
cmd = "uptime"
subprocess.run(cmd, shell=True)
