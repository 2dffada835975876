"""The BSN pseudonym (G1) and the 11-proof: fast paths must equal the textbook definitions."""

import hashlib
import hmac

import pytest

from jeugdkpi.pseudonym import Pseudonymiser, elfproef


@pytest.mark.parametrize("key", [b"k", b"bench", b"x" * 64, b"y" * 65, bytes(range(200))])
@pytest.mark.parametrize("bsn", ["123456782", "100000009", "999999990"])
def test_youth_key_is_hmac_sha256(key, bsn):
    # keys shorter than, equal to and longer than the SHA-256 block (64 bytes; longer keys are hashed first)
    assert Pseudonymiser(key).youth_key(bsn) == hmac.new(key, bsn.encode(), hashlib.sha256).hexdigest()


def test_youth_key_is_stable_and_keyed():
    a, b = Pseudonymiser(b"region-a"), Pseudonymiser(b"region-b")
    assert a.youth_key("123456782") == a.youth_key("123456782")
    assert a.youth_key("123456782") != b.youth_key("123456782")
    assert len(a.youth_key("123456782")) == 64


@pytest.mark.parametrize("bsn, ok", [
    ("123456782", True),    # 9*1+8*2+7*3+6*4+5*5+4*6+3*7+2*8-1*2 = 154 = 14*11
    ("123456781", False),   # 155: not divisible by 11
    ("100000009", True),    # 9 - 9 = 0
    ("000000000", False),   # all zero is never a BSN
    ("12345678", False),    # 8 digits
    ("12345678a", False),
    ("١٢٣٤٥٦٧٨٢", False),   # Arabic-Indic digits pass str.isdigit() but are no BSN
])
def test_elfproef(bsn, ok):
    assert elfproef(bsn) is ok
