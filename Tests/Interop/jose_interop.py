#!/usr/bin/env python3
"""Interoperability check: a message signed by an independent JOSE implementation (jwcrypto)
is accepted by Baton, and Baton's receipt verifies with jwcrypto against /.well-known/jwks.json.

Usage: jose_interop.py HUB_URL AGENCY_ID ED25519_KEY.jwk ES256_KEY.jwk
The key files are private JWKs whose "kid" is <agency-id>/<key-id> (as `baton keys generate` writes).
Exits 0 when every check passes; prints what failed otherwise. All data is fictional.
"""
import hashlib
import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone

from jwcrypto import jwk, jws, jwt
from jwcrypto.common import json_encode

hub, agency, ed_path, es_path = sys.argv[1:5]
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def http(method, path, body=None, headers=None):
    request = urllib.request.Request(hub + path, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def load_key(path):
    with open(path) as handle:
        text = handle.read()
    return jwk.JWK.from_json(text), json.loads(text)["kid"]


def referral():
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "messageId": str(uuid.uuid4()),
        "sentAt": now,
        "kind": "referral",
        "from": {"agency": agency, "person": {"name": "DS Okoro", "role": "Child abuse investigation team"}},
        "subjects": [{
            "ref": "c1", "givenName": "Maisie", "familyName": "Holroyd", "dateOfBirth": "2015-10-03", "sex": "female",
            "nhsNumber": "999 000 0018", "address": {"lines": ["7 Tanners Yard", "Kilnfield"], "postcode": "NM5 2QT"},
        }],
        "persons": [{"ref": "p1", "givenName": "Lee", "familyName": "Holroyd", "sex": "male"}],
        "relationships": [{"from": "p1", "to": "c1", "role": "father"}],
        "sections": [{"label": "police.incident", "content": {"occurrenceRef": "NM-26000123", "note": "Interop test — fictional."}}],
        "consent": {"status": "not-sought", "basis": "safeguarding", "reasonNotSought": "Would alert the alleged perpetrator."},
        "doNotInform": ["p1"],
        "concern": {"categories": ["physical-abuse"], "summary": "Unexplained bruising.", "childSeen": True,
                    "risk": {"level": "medium", "tool": "KIRAT", "toolVersion": "3"}},
    }


def sign(payload_bytes, key, kid, alg, typ="baton-message"):
    token = jws.JWS(payload_bytes)
    token.add_signature(key, alg=None, protected=json_encode({"alg": alg, "kid": kid, "typ": typ}))
    return token.serialize(compact=True)


status, body = http("GET", "/.well-known/jwks.json")
check(status == 200, "the hub publishes its JWK Set")
hub_keys = jwk.JWKSet.from_json(body)

for path, alg in ((ed_path, "EdDSA"), (es_path, "ES256")):
    key, kid = load_key(path)
    payload = referral()
    compact = sign(json.dumps(payload, ensure_ascii=False).encode("utf-8"), key, kid, alg)
    status, body = http("POST", "/v1/messages", compact.encode("ascii"), {"Content-Type": "application/jose"})
    check(status == 202, f"{alg}: a jwcrypto-signed referral is accepted (HTTP {status}: {body[:200]!r})")
    if status != 202:
        continue
    answer = json.loads(body)

    receipt = jws.JWS()
    receipt.deserialize(answer["receipt"])
    header = receipt.jose_header
    receipt.verify(hub_keys.get_key(header["kid"]))
    check(header.get("typ") == "baton-receipt", f"{alg}: the receipt is a baton-receipt")
    claims = json.loads(receipt.payload)
    check(True, f"{alg}: the receipt's signature verifies with jwcrypto ({header['alg']}, {header['kid']})")
    check(claims["sha256"] == hashlib.sha256(compact.encode("ascii")).hexdigest(), f"{alg}: the receipt covers exactly the bytes sent")
    check(claims["messageId"] == payload["messageId"] and claims["from"]["agency"] == agency, f"{alg}: the receipt names the message and sender")

    status, again = http("POST", "/v1/messages", compact.encode("ascii"), {"Content-Type": "application/jose"})
    check(status == 200 and json.loads(again)["receipt"] == answer["receipt"], f"{alg}: resending gives 200 and the original receipt")

    now = int(time.time())
    bearer = jwt.JWT(header={"alg": alg, "kid": kid, "typ": "JWT"},
                     claims={"iss": agency, "aud": "baton", "iat": now, "exp": now + 120, "jti": str(uuid.uuid4())})
    bearer.make_signed_token(key)
    status, read = http("GET", "/v1/messages/" + payload["messageId"], headers={"Authorization": "Bearer " + bearer.serialize()})
    check(status == 200 and json.loads(read)["messageId"] == payload["messageId"], f"{alg}: a jwcrypto bearer token reads the status (HTTP {status})")

    status, problem = http("GET", "/v1/messages/" + payload["messageId"], headers={"Authorization": "Bearer " + compact})
    check(status == 401 and json.loads(problem)["type"] == "/problems/wrong-token-type", f"{alg}: the message itself is refused as a bearer token")

# The algorithm-confusion attack, mounted with jwcrypto: HS256 keyed with the agency's public key.
key, kid = load_key(ed_path)
public = json.loads(key.export_public())
confused = jwk.JWK(kty="oct", k=public["x"])
forged = sign(json.dumps(referral()).encode(), confused, kid, "HS256")
status, problem = http("POST", "/v1/messages", forged.encode(), {"Content-Type": "application/jose"})
check(status == 401 and json.loads(problem)["type"] == "/problems/unsupported-algorithm", "HS256 keyed with the public key is refused")

if failures:
    print(f"{len(failures)} interop check(s) failed")
    sys.exit(1)
print("all interop checks passed")
