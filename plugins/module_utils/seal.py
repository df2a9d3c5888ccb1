# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sealing the archive: a hash chain of rotated files whose head the server signs.

The chain is a file of JSON lines, oldest first, one entry per event:
``{"seq", "event", "path", "size", "sha256", "sealed_at", "prev", "hash"}``. ``event`` is
``sealed`` for a rotated file taken in, or ``expired`` for a sealed file that retention
removed (recorded only once it is old enough to have been removed). ``path`` is relative to
the archive root, ``prev`` is the previous entry's ``hash`` (64 zeros for the first) and
``hash`` is the SHA-256 of the entry's other fields as canonical JSON, so changing,
removing or reordering an entry breaks every link after it. The head (the last entry's
``seq`` and ``hash``) is signed with the server's Ed25519 key. Someone with root on the
server can rebuild and re-sign the whole chain; a head kept off the server (on the
controller) therefore pins the chain: a later chain must contain that entry unchanged.
Root on the server can also append entries signed with its key, so an ``expired`` entry
counts only for a file sealed before, at least the retention (as the controller knows it)
after its sealing, and times only move forward and never lie in the future.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import hashlib
import json
import os
import re
import traceback

from ansible_collections.auditlog.fleet.plugins.module_utils import files

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None

GENESIS = "0" * 64
SIGNED_PREFIX = b"auditlog.fleet seal v1\n"
ENTRY_FIELDS = ("seq", "event", "path", "size", "sha256", "sealed_at", "prev")
# What logrotate leaves of a client's file (dateext, compress): <client>/syslog.log-<stamp>.gz.
# A client's directory is named by an address or a host name, and never hidden: that keeps
# ".", "..", .seal and any character that could end a line in a list of names out.
ROTATED = re.compile(r"^(?!\.)[A-Za-z0-9_.:-]+/syslog\.log-[0-9-]+\.gz\Z")
EVENTS = ("sealed", "expired")
DIGEST = re.compile(r"^[0-9a-f]{64}\Z")
# Retention removes a rotation in logrotate's daily run, up to a day after it is due.
RETENTION_SLACK_DAYS = 1
# How far a server's clock may run ahead of the verifier's.
FUTURE_SLACK = datetime.timedelta(minutes=10)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
KEY_MODE = 0o600
CHAIN_MODE = 0o600
# Where the server role publishes copies of the chain and head: a directory in the archive root
# that is no client's, so that a backup host's read-only copy of the archive carries them.
PUBLISHED_DIR = ".seal"
PUBLISHED_CHAIN = "chain.jsonl"
PUBLISHED_HEAD = "head.json"


class SealError(Exception):
    pass


def entry_hash(entry):
    canonical = json.dumps(dict((name, entry[name]) for name in ENTRY_FIELDS), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def make_entry(seq, event, path, size, sha256, sealed_at, prev):
    entry = {"seq": seq, "event": event, "path": path, "size": size, "sha256": sha256, "sealed_at": sealed_at,
             "prev": prev}
    entry["hash"] = entry_hash(entry)
    return entry


def parse_chain(text):
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except (ValueError, RecursionError):
            raise SealError("chain line %d is not JSON" % number)
        if not isinstance(entry, dict) or any(name not in entry for name in ENTRY_FIELDS + ("hash",)):
            raise SealError("chain line %d lacks one of %s" % (number, ", ".join(ENTRY_FIELDS + ("hash",))))
        problem = _shape_problem(entry)
        if problem:
            raise SealError("chain line %d: %s" % (number, problem))
        entries.append(entry)
    return entries


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _shape_problem(entry):
    """Why an entry cannot be one the sealer wrote; a path is checked before anyone opens it."""
    if not _is_count(entry["seq"]) or not _is_count(entry["size"]):
        return "seq and size must be counts"
    if entry["event"] not in EVENTS:
        return "event %r is none of %s" % (entry["event"], ", ".join(EVENTS))
    if not isinstance(entry["path"], str) or not ROTATED.match(entry["path"]):
        return "path %r is no rotation in a client's directory (<client>/syslog.log-<stamp>.gz)" % (entry["path"],)
    if not all(isinstance(entry[name], str) and DIGEST.match(entry[name]) for name in ("sha256", "prev", "hash")):
        return "sha256, prev and hash must be SHA-256 digests in hex"
    if _parse_time(entry["sealed_at"]) is None:
        return "sealed_at %r is not a time like %s" % (entry["sealed_at"], "2026-01-31T23:59:59Z")
    return None


def _parse_time(text):
    try:
        return datetime.datetime.strptime(text, TIME_FORMAT).replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None


def format_entries(entries):
    return "".join(json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n" for entry in entries)


def link_problems(entries):
    """What breaks the links: an entry changed, removed, inserted or moved."""
    problems = []
    previous = GENESIS
    for index, entry in enumerate(entries):
        number, path = index + 1, entry["path"]
        if entry["seq"] != number:
            problems.append("entry %d has sequence number %s" % (number, entry["seq"]))
        if entry["prev"] != previous:
            problems.append("entry %d (%s) does not follow the entry before it" % (number, path))
        if entry_hash(entry) != entry["hash"]:
            problems.append("entry %d (%s) was altered" % (number, path))
        previous = entry["hash"]
    return problems


def chain_problems(entries, retention_days=None, now=None, judged_up_to=0):
    """What breaks the chain: its links, a time that goes back (or, given ``now``, lies
    ahead), and an expiry of a file never sealed, expired twice, or (given ``retention_days``)
    before retention could have removed it. Entries up to ``judged_up_to`` (a pinned head)
    were judged when it was pinned, by the rules and the retention of the time, and only their
    links are checked again: a retention raised since, or a chain older than these rules,
    does not condemn them."""
    problems = link_problems(entries)
    latest = None
    sealed = {}
    expired = set()
    for index, entry in enumerate(entries):
        number, path = index + 1, entry["path"]
        when = _parse_time(entry["sealed_at"])
        earlier, latest = latest, max(when, latest or when)
        first = sealed.setdefault(path, entry) if entry["event"] == "sealed" else None
        if number <= judged_up_to:
            if entry["event"] == "expired":
                expired.add(path)
            continue
        if earlier is not None and when < earlier:
            problems.append("entry %d (%s) is dated before the entry before it" % (number, path))
        elif now is not None and when > now + FUTURE_SLACK:
            problems.append("entry %d (%s) is dated %s, in the future" % (number, path, entry["sealed_at"]))
        if entry["event"] == "sealed":
            if first is not entry:
                problems.append("entry %d seals %s a second time" % (number, path))
            continue
        original = sealed.get(path)
        if original is None or (original["size"], original["sha256"]) != (entry["size"], entry["sha256"]):
            problems.append("entry %d expires %s, which the chain never sealed as such" % (number, path))
        elif path in expired:
            problems.append("entry %d expires %s a second time" % (number, path))
        elif retention_days is not None:
            age = (when - _parse_time(original["sealed_at"])).total_seconds() / 86400
            if age < retention_days - RETENTION_SLACK_DAYS:
                problems.append("entry %d expires %s %.1f days after it was sealed, before the retention of %d days: "
                                "a file removed early, hidden" % (number, path, age, retention_days))
        expired.add(path)
    return problems


def file_digest(path):
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def extend(entries, root, relative_paths, sealed_at):
    """New entries for the files in ``relative_paths`` that the chain does not hold yet."""
    sealed = set(entry["path"] for entry in entries)
    previous = entries[-1]["hash"] if entries else GENESIS
    seq = len(entries)
    added = []
    for path in sorted(set(relative_paths) - sealed):
        size, sha256 = file_digest(os.path.join(root, path))
        seq += 1
        entry = make_entry(seq, "sealed", path, size, sha256, sealed_at, previous)
        added.append(entry)
        previous = entry["hash"]
    return added


def _signed_bytes(seq, head_hash):
    return SIGNED_PREFIX + ("%d\n%s" % (seq, head_hash)).encode("ascii")


def new_private_key():
    return ed25519.Ed25519PrivateKey.generate()


def private_key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_key_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key(pem):
    key = serialization.load_pem_private_key(pem, None)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise SealError("the sealing key is not an Ed25519 key")
    return key


def sign_head(key, entries):
    head = entries[-1] if entries else {"seq": 0, "hash": GENESIS}
    signature = key.sign(_signed_bytes(head["seq"], head["hash"]))
    return {"seq": head["seq"], "hash": head["hash"], "signature": base64.b64encode(signature).decode("ascii")}


def head_problems(public_key_text, entries, head):
    """Whether ``head`` is a valid signature of this chain's last entry."""
    try:
        public_key = serialization.load_pem_public_key(public_key_text.encode("ascii"))
        public_key.verify(base64.b64decode(head["signature"]), _signed_bytes(head["seq"], head["hash"]))
    except (ValueError, TypeError, KeyError, InvalidSignature):
        return ["the signature of the chain's head is not valid for this server's public key"]
    last = entries[-1] if entries else {"seq": 0, "hash": GENESIS}
    if (head["seq"], head["hash"]) != (last["seq"], last["hash"]):
        return ["the signed head is entry %s, but the chain ends at entry %d" % (head["seq"], last["seq"])]
    return []


def pinned_problems(entries, pinned):
    """A head recorded earlier off the server must still be in the chain, unchanged."""
    if not pinned or pinned["seq"] == 0:
        return []
    if len(entries) < pinned["seq"]:
        return ["the chain has %d entries, fewer than the %d recorded before: it was cut or rebuilt" % (
            len(entries), pinned["seq"])]
    if entries[pinned["seq"] - 1]["hash"] != pinned["hash"]:
        return ["entry %d differs from the one recorded before: the chain was rebuilt" % pinned["seq"]]
    return []


def behind_problems(entries, head):
    """A copy must hold a head verified on the server itself: one that lags behind it may miss
    a file the server has since removed."""
    if not head or head["seq"] <= len(entries):
        return pinned_problems(entries, head)
    return ["the copy has %d entries, fewer than the %d of the server's chain verified on the server: "
            "it has not taken what the server sealed since" % (len(entries), head["seq"])]


def successor_problems(kept, incoming):
    """Why a chain copied again from the server cannot replace the copy kept: it must be whole
    and hold every kept entry unchanged."""
    problems = chain_problems(incoming)
    if not problems and kept:
        problems = pinned_problems(incoming, kept[-1])
    return problems


def current_entries(entries):
    """The sealed entries whose files retention has not removed."""
    expired = set(entry["path"] for entry in entries if entry["event"] == "expired")
    return [entry for entry in entries if entry["event"] == "sealed" and entry["path"] not in expired]


def rotated_files(root):
    """The compressed rotations in the archive, relative to its root."""
    found = []
    for client in sorted(os.listdir(root)):
        directory = os.path.join(root, client)
        if os.path.isdir(directory) and not os.path.islink(directory):
            found.extend(client + "/" + name for name in sorted(os.listdir(directory))
                         if ROTATED.match(client + "/" + name) and os.path.isfile(os.path.join(directory, name)))
    return found


def _age_days(sealed_at, now):
    return (now - _parse_time(sealed_at)).total_seconds() / 86400


def expire(entries, root, retention_days, now):
    """Entries for sealed files that are gone because retention removed them.

    logrotate removes a rotation retention_days after it was made, which is about when it
    was sealed; a day of slack covers the hour of the daily run. A file gone sooner is not
    recorded, so verification reports it removed.
    """
    previous = entries[-1]["hash"] if entries else GENESIS
    seq = len(entries)
    added = []
    for entry in current_entries(entries):
        if (os.path.exists(os.path.join(root, entry["path"]))
                or _age_days(entry["sealed_at"], now) < retention_days - RETENTION_SLACK_DAYS):
            continue
        seq += 1
        expired = make_entry(seq, "expired", entry["path"], entry["size"], entry["sha256"], now.strftime(TIME_FORMAT),
                             previous)
        added.append(expired)
        previous = expired["hash"]
    return added


def _read_chain(chain_path):
    text = files.read_or_none(chain_path)
    return parse_chain(text.decode("utf-8")) if text else []


def seal_archive(root, chain_path, head_path, key_path, retention_days, now, check_mode=False, publish_dir=None):
    """Record retention's removals and new rotations in the chain, and sign its head.

    Makes the sealing key on first use. Refuses to extend a chain that is already broken:
    that is evidence, and verification must see it as it is. With ``publish_dir``, copies of
    the chain and head are kept there too (in the archive, where a backup host may read them).
    """
    changes = []
    key_pem = files.read_or_none(key_path)
    if key_pem is None:
        key = new_private_key()
        changes.append("made the sealing key %s" % key_path)
        if not check_mode:
            files.write_atomic(key_path, private_key_pem(key), KEY_MODE)
    else:
        key = load_private_key(key_pem)
    entries = _read_chain(chain_path)
    # Only broken links stop the sealer: what else a verifier reports is for it to judge, and
    # a chain from before these rules must go on growing.
    broken = link_problems(entries)
    if broken:
        raise SealError("the chain %s is broken, so it is left as it is: %s" % (chain_path, "; ".join(broken)))
    # A clock set back must not date an entry before the last one.
    if entries:
        now = max(now, _parse_time(entries[-1]["sealed_at"]))
    added = expire(entries, root, retention_days, now)
    added += extend(entries + added, root, rotated_files(root), now.strftime(TIME_FORMAT))
    entries += added
    head = sign_head(key, entries)
    chain_text = format_entries(entries).encode("utf-8")
    head_text = (json.dumps(head, sort_keys=True) + "\n").encode("utf-8")
    if added or files.read_or_none(head_path) is None:
        changes.append("sealed %d and recorded %d expired" % (
            sum(1 for entry in added if entry["event"] == "sealed"),
            sum(1 for entry in added if entry["event"] == "expired")))
        if not check_mode:
            files.write_atomic(chain_path, chain_text, CHAIN_MODE)
            files.write_atomic(head_path, head_text, CHAIN_MODE)
    if publish_dir is not None and _publish(publish_dir, chain_text, head_text, check_mode):
        changes.append("published the chain and its head in %s" % publish_dir)
    return {"changed": bool(changes), "changes": changes, "added": added, "head": head,
            "public_key": public_key_pem(key).decode("ascii")}


def _publish(publish_dir, chain_text, head_text, check_mode):
    wanted = {PUBLISHED_CHAIN: chain_text, PUBLISHED_HEAD: head_text}
    stale = [name for name, text in wanted.items() if files.read_or_none(os.path.join(publish_dir, name)) != text]
    if stale and not check_mode:
        if not os.path.isdir(publish_dir):
            os.mkdir(publish_dir, 0o700)
        for name in sorted(stale):
            files.write_atomic(os.path.join(publish_dir, name), wanted[name], CHAIN_MODE)
    return bool(stale)


def parse_head(text):
    """A signed head as sign_head wrote it; an empty one for no text."""
    if not text:
        return {"seq": 0, "hash": GENESIS, "signature": ""}
    try:
        head = json.loads(text)
    except (ValueError, RecursionError):
        raise SealError("the signed head is not JSON")
    if not (isinstance(head, dict) and _is_count(head.get("seq")) and isinstance(head.get("hash"), str)
            and isinstance(head.get("signature"), str)):
        raise SealError("the signed head is not {seq, hash, signature}")
    return head


def check_chain(chain_text, head_text, public_key, pinned, retention_days, now, verified_elsewhere=None):
    """The verdict on a chain and signed head read from a host that is not trusted, given only
    what the verifier holds itself: the server's public key, the head it pinned before, the
    retention and the time. ``head`` is the head to pin next, with its signature, or None.
    ``verified_elsewhere``, a head pinned for the same server by another verification (the
    server's own, for a backup host's copy), must be held too: a copy may not lag behind it."""
    try:
        entries = parse_chain(chain_text)
        head = parse_head(head_text)
    except SealError as exc:
        return {"problems": [str(exc)], "head": None, "entries": 0}
    problems = (chain_problems(entries, retention_days, now, _pinned_seq(pinned)) + head_problems(public_key, entries, head)
                + pinned_problems(entries, pinned) + behind_problems(entries, verified_elsewhere))
    return {"problems": problems, "head": None if problems else head, "entries": len(entries)}


def _pinned_seq(pinned):
    return pinned["seq"] if pinned else 0


def verify_archive(root, chain_path, head_path, public_key, pinned=None, retention_days=None, now=None):
    """Everything that shows tampering, by kind; empty lists when the archive is intact."""
    entries = _read_chain(chain_path)
    head_text = files.read_or_none(head_path)
    head = parse_head(head_text.decode("utf-8") if head_text else "")
    report = file_problems(root, current_entries(entries))
    report["chain"] = (chain_problems(entries, retention_days, now, _pinned_seq(pinned))
                       + head_problems(public_key, entries, head) + pinned_problems(entries, pinned))
    sealed = set(entry["path"] for entry in entries)
    report["unsealed"] = [path for path in rotated_files(root) if path not in sealed]
    report["head"] = {"seq": head["seq"], "hash": head["hash"]}
    return report


def file_problems(root, entries):
    """Each sealed file that is gone, shorter, or different from when it was sealed."""
    problems = {"removed": [], "truncated": [], "modified": []}
    for entry in entries:
        path = os.path.join(root, entry["path"])
        if not os.path.isfile(path):
            problems["removed"].append(entry["path"])
            continue
        size, sha256 = file_digest(path)
        if size < entry["size"]:
            problems["truncated"].append(entry["path"])
        elif sha256 != entry["sha256"]:
            problems["modified"].append(entry["path"])
    return problems
