"""Verifies a Baton audit checkpoint with an independent implementation (Python `cryptography`).

Usage: checkpoint_verify.py JWKS_FILE CHECKPOINT_FILE
The checkpoint file is the JSON the hub publishes at /v1/audit/checkpoints/latest. Prints the
verified tree size and root; exits 1 if the signature or the payload does not check out.
"""
import base64
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def main():
    jwks = json.load(open(sys.argv[1]))
    checkpoint = json.load(open(sys.argv[2]))
    header_b64, payload_b64, signature_b64 = checkpoint["jws"].split(".")
    header = json.loads(b64url(header_b64))
    assert header["typ"] == "baton-checkpoint", header
    assert header["alg"] == "EdDSA", header
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519", key
    public = Ed25519PublicKey.from_public_bytes(b64url(key["x"]))
    try:
        public.verify(b64url(signature_b64), f"{header_b64}.{payload_b64}".encode())
    except InvalidSignature:
        print("signature does NOT verify")
        sys.exit(1)
    payload = json.loads(b64url(payload_b64))
    assert payload["log"] == "baton-audit", payload
    assert payload["treeSize"] == checkpoint["treeSize"], payload
    assert payload["rootHash"] == checkpoint["rootHash"], payload
    # A signature over a changed payload must fail.
    forged = json.dumps({**payload, "treeSize": payload["treeSize"] + 1}, separators=(",", ":")).encode()
    forged_b64 = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
    try:
        public.verify(b64url(signature_b64), f"{header_b64}.{forged_b64}".encode())
        print("a forged payload verified")
        sys.exit(1)
    except InvalidSignature:
        pass
    print(f"verified checkpoint: treeSize={payload['treeSize']} rootHash={payload['rootHash']}")


main()
