# expect: command-injection@6
import os


def archive(name):
    os.system("tar czf /backups/%s.tgz /srv/data" % name)


archive(input("archive name: "))
