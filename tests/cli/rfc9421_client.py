#!/usr/bin/python3
"""rfc9421_client.py: a calling system of ecert-serve, written apart from
it: RFC 9421 HTTP Message Signatures (Ed25519) over "@method", "@path",
"@query" and "content-digest" (RFC 9530, sha-256), with created, keyid and
nonce, using only the standard library and python3-cryptography.  With
--sm2-key, the signature is SM2 with SM3 (alg "sm2-sm3", ecert-serve(1)),
made by the openssl command, as python3-cryptography has no SM2:
`openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:1234567812345678`
over the signature base, its DER signature sent as r||s (64 bytes).

  rfc9421_client.py selftest                the RFC's own test vector
  rfc9421_client.py keygen KEYFILE          private key (PEM) to KEYFILE,
                                            the raw public key (base64) out
  rfc9421_client.py [options] METHOD URL [BODYFILE | -]
  rfc9421_client.py push KEYFILE KEYID URL FILE ...
                                            each FILE a JSON Lines batch,
                                            POSTed in turn on one connection;
                                            "TIME <seconds>" per batch out

The answer's body goes to standard output; "HTTP <code> exit <n>" and the
headers to standard error.  The exit status is the answer's X-Ecert-Exit
(the exit status the ecert program would give), else 0 for 2xx/304, 1.
"""
import argparse
import base64
import hashlib
import http.client
import os
import ssl
import subprocess
import sys
import time
import urllib.parse

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey)


def keygen(path):
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    print(base64.b64encode(raw).decode())


def sf_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def signature_base(components, values, params):
    """RFC 9421 section 2.5: one line per covered component, then the
    signature parameters; lines joined by LF, no LF at the end."""
    lines = ["%s: %s" % (sf_string(c), values[c]) for c in components]
    lines.append('"@signature-params": ' + params)
    return "\n".join(lines).encode()


class Sm2OpensslKey:
    """An SM2 private key in a PEM file, signing with the openssl command."""
    alg = "sm2-sm3"

    def __init__(self, path):
        self.path = path

    def sign(self, base):
        from cryptography.hazmat.primitives.asymmetric.utils import (
            decode_dss_signature)
        der = subprocess.run(
            ["openssl", "pkeyutl", "-sign", "-inkey", self.path, "-rawin",
             "-digest", "sm3", "-pkeyopt", "distid:1234567812345678"],
            input=base, stdout=subprocess.PIPE, check=True).stdout
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def sign(key, keyid, method, path, query, digest, created, nonce):
    """The signature base of RFC 9421 section 2.5, and its signature."""
    components = ["@method", "@path", "@query", "content-digest"]
    values = {
        "@method": method.upper(),
        "@path": path,
        "@query": "?" + query,      # "?" alone when there is no query
        "content-digest": digest,
    }
    params = "(" + " ".join(sf_string(c) for c in components) + ")"
    params += ";created=%d;keyid=%s;nonce=%s;alg=%s" % (
        created, sf_string(keyid), sf_string(nonce),
        sf_string(getattr(key, "alg", "ed25519")))
    base = signature_base(components, values, params)
    return params, base64.b64encode(key.sign(base)).decode()


def selftest():
    """RFC 9421 appendix B.2.6 (test-key-ed25519 of B.1.4): this file's
    signature base must be the RFC's, byte for byte, for its signature to
    verify."""
    from cryptography.hazmat.primitives.serialization import (
        load_der_public_key)
    pk = load_der_public_key(base64.b64decode(
        "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs="))
    components = ["date", "@method", "@path", "@authority", "content-type",
                  "content-length"]
    values = {"date": "Tue, 20 Apr 2021 02:07:55 GMT", "@method": "POST",
              "@path": "/foo", "@authority": "example.com",
              "content-type": "application/json", "content-length": "18"}
    params = "(" + " ".join(sf_string(c) for c in components) + ")" + \
        ";created=1618884473;keyid=" + sf_string("test-key-ed25519")
    pk.verify(base64.b64decode(
        "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu"
        "4A0w6vuQv5lIp5WPpBKRCw=="), signature_base(components, values, params))
    print("RFC 9421 B.2.6: verified")


def push_many(keyfile, keyid, url, files):
    """Batches on one kept-alive connection, as a department's system would
    push them; the answers to stdout, each batch's time to stderr."""
    with open(keyfile, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
    worst = 0
    for name in files:
        with open(name, "rb") as f:
            body = f.read()
        t0 = time.time()
        digest = "sha-256=:%s:" % base64.b64encode(
            hashlib.sha256(body).digest()).decode()
        nonce = base64.urlsafe_b64encode(os.urandom(18)).decode()
        params, sig = sign(key, keyid, "POST", u.path, u.query, digest,
                           int(time.time()), nonce)
        conn.request("POST", u.path + ("?" + u.query if u.query else ""),
                     body=body, headers={
                         "Content-Type": "application/jsonl",
                         "Content-Digest": digest,
                         "Signature-Input": "sig1=" + params,
                         "Signature": "sig1=:%s:" % sig})
        resp = conn.getresponse()
        data = resp.read()
        sys.stderr.write("TIME %.4f\n" % (time.time() - t0))
        sys.stdout.buffer.write(data)
        worst = max(worst, int(resp.getheader("X-Ecert-Exit") or 1))
    conn.close()
    return worst


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "selftest":
        selftest()
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "keygen":
        keygen(sys.argv[2])
        return 0
    if len(sys.argv) >= 6 and sys.argv[1] == "push":
        return push_many(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", help="private key file (PEM)")
    ap.add_argument("--keyid", help="the client id")
    ap.add_argument("--sm2-key", help="SM2 private key file (PEM), signed "
                    "with by the openssl command, alg sm2-sm3")
    ap.add_argument("--tamper-sig", action="store_true",
                    help="flip a bit of the signature")
    ap.add_argument("--content-type", default="application/json")
    ap.add_argument("--created", type=int, help="instead of now")
    ap.add_argument("--nonce", help="instead of a random one")
    ap.add_argument("--repeat", type=int, default=1,
                    help="send the same signed request this many times")
    ap.add_argument("--tamper-body", action="store_true",
                    help="change the body after signing")
    ap.add_argument("--tamper-path", action="store_true",
                    help="send to another path than the one signed")
    ap.add_argument("--if-none-match")
    ap.add_argument("--cacert", help="trust this certificate (https)")
    ap.add_argument("--chunked", action="store_true",
                    help="send the body in chunks, with no Content-Length")
    ap.add_argument("--half-then", metavar="FILE",
                    help="send half the body, create FILE, wait a second, "
                    "send the rest (a request in flight)")
    ap.add_argument("method")
    ap.add_argument("url")
    ap.add_argument("body", nargs="?")
    a = ap.parse_args()

    body = b""
    if a.body == "-":
        body = sys.stdin.buffer.read()
    elif a.body is not None:
        with open(a.body, "rb") as f:
            body = f.read()
    u = urllib.parse.urlsplit(a.url)
    path = u.path or "/"
    headers = {"Content-Type": a.content_type}
    if a.if_none_match:
        headers["If-None-Match"] = a.if_none_match
    if a.key or a.sm2_key:
        if a.sm2_key:
            key = Sm2OpensslKey(a.sm2_key)
        else:
            with open(a.key, "rb") as f:
                key = serialization.load_pem_private_key(f.read(), None)
        digest = "sha-256=:%s:" % base64.b64encode(
            hashlib.sha256(body).digest()).decode()
        created = a.created if a.created is not None else int(time.time())
        nonce = a.nonce or base64.urlsafe_b64encode(os.urandom(18)).decode()
        params, sig = sign(key, a.keyid, a.method, path, u.query, digest,
                           created, nonce)
        headers["Content-Digest"] = digest
        headers["Signature-Input"] = "sig1=" + params
        if a.tamper_sig:
            raw = bytearray(base64.b64decode(sig))
            raw[10] ^= 1
            sig = base64.b64encode(bytes(raw)).decode()
        headers["Signature"] = "sig1=:%s:" % sig
    if a.tamper_body:
        body = body + b" "
    target = path + ("?" + u.query if u.query else "")
    if a.tamper_path:
        target = path + "x" + ("?" + u.query if u.query else "")
    status = 1
    for _ in range(a.repeat):
        if u.scheme == "https":
            ctx = ssl.create_default_context(cafile=a.cacert)
            conn = http.client.HTTPSConnection(u.hostname, u.port,
                                               timeout=60, context=ctx)
        else:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        if a.half_then:
            conn.putrequest(a.method.upper(), target, skip_accept_encoding=True)
            for k, v in headers.items():
                conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders()
            conn.send(body[:len(body) // 2])
            open(a.half_then, "w").close()
            time.sleep(1)
            conn.send(body[len(body) // 2:])
        elif a.chunked:
            parts = [body[i:i + 4096] for i in range(0, len(body), 4096)]
            conn.request(a.method.upper(), target, body=iter(parts),
                         headers=headers, encode_chunked=True)
        else:
            conn.request(a.method.upper(), target, body=body,
                         headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        exit_header = resp.getheader("X-Ecert-Exit")
        if exit_header is not None:
            status = int(exit_header)
        else:
            status = 0 if resp.status < 400 else 1
        sys.stderr.write("HTTP %d exit %s\n" % (resp.status, exit_header))
        for k, v in resp.getheaders():
            sys.stderr.write("%s: %s\n" % (k, v))
    sys.stdout.buffer.write(data)
    return status


if __name__ == "__main__":
    sys.exit(main())
