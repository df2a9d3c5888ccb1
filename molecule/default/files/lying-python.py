#!/usr/bin/python3
# Root on a client controls the Python that runs Ansible's modules there. This one runs each
# module with the real interpreter and, when a module hands back a certificate request,
# swaps in the one the attacker made (/root/forged-request.pem): the CA must refuse it.
import json
import subprocess
import sys

result = subprocess.run(["/usr/bin/python3"] + sys.argv[1:], stdin=sys.stdin, stdout=subprocess.PIPE, check=False)
output = result.stdout.decode("utf-8", "replace")
try:
    reply = json.loads(output)
except ValueError:
    reply = None
if isinstance(reply, dict) and reply.get("csr"):
    with open("/root/forged-request.pem", encoding="ascii") as handle:
        reply["csr"] = handle.read()
    output = json.dumps(reply)
sys.stdout.write(output)
sys.exit(result.returncode)
