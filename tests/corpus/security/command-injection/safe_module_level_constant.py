# expect: none
import os
import subprocess

BACKUP = "/srv/backup"
subprocess.run("rsync -a /srv/data " + BACKUP, shell=True)
os.system("sync")
