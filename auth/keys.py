"""ES256 signing keys: the current key signs; the current and previous keys are published.

joserfc's KeySet would sign with a random key of the algorithm, so signing always loads the one
current key explicitly. Private keys are stored Fernet-encrypted under a key derived from the
settings' secret key, and are never part of any response.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc.jwk import ECKey, KeySetSerialization
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.digests import new_secret
from models.oauth import KeyState, SigningKey

ALGORITHM = "ES256"


def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"yulu signing keys"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _new_key(secret_key: str) -> SigningKey:
    kid = new_secret(12)
    key = ECKey.generate_key(
        "P-256", parameters={"kid": kid, "alg": ALGORITHM, "use": "sig"}, private=True
    )
    return SigningKey(
        kid=kid,
        state=KeyState.CURRENT,
        private_key_encrypted=_fernet(secret_key).encrypt(key.as_pem(private=True)).decode(),
        public_jwk=key.as_dict(private=False),
    )


def rotate(session: Session, secret_key: str) -> SigningKey:
    """New current key; the old current becomes previous (still verifies); older ones retire."""
    for key in session.scalars(select(SigningKey).where(SigningKey.state != KeyState.RETIRED)):
        key.state = KeyState.RETIRED if key.state == KeyState.PREVIOUS else KeyState.PREVIOUS
    session.flush()
    key = _new_key(secret_key)
    session.add(key)
    session.flush()
    return key


def signing_key(session: Session, secret_key: str) -> ECKey:
    """The current private key; the very first token creates it."""
    stored = session.scalars(
        select(SigningKey)
        .where(SigningKey.state == KeyState.CURRENT)
        .order_by(SigningKey.created_at.desc(), SigningKey.kid)
        .limit(1)
    ).first()
    if stored is None:
        stored = rotate(session, secret_key)
    pem = _fernet(secret_key).decrypt(stored.private_key_encrypted.encode())
    return ECKey.import_key(pem, parameters={"kid": stored.kid, "alg": ALGORITHM, "use": "sig"})


def published_jwks(session: Session) -> KeySetSerialization:
    """The JWKS document: public halves of the current and previous keys."""
    keys = session.scalars(
        select(SigningKey)
        .where(SigningKey.state.in_((KeyState.CURRENT, KeyState.PREVIOUS)))
        .order_by(SigningKey.created_at.desc(), SigningKey.kid)
    )
    return {"keys": [key.public_jwk for key in keys]}
