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


def test_created_key_is_one_dutch_line_above_the_progress_bar(tmp_path):
    import io
    import warnings

    from jeugdkpi import progress
    from jeugdkpi.pseudonym import load_or_create_key

    screen = io.StringIO()
    reporter = progress.TerminalProgress(screen, tty=True)
    with warnings.catch_warnings(record=True) as caught, progress.reporting(reporter):
        warnings.simplefilter("always")
        with progress.step("iJw-berichten inlezen", total=10, unit="bestanden"):
            progress.advance(4)
            key = load_or_create_key(None, tmp_path)
    assert caught == []  # no Python warning (those print "/path/file.py:NN: UserWarning")
    assert (tmp_path / ".pseudonym_key").read_text().strip().encode() == key
    text = screen.getvalue()
    assert ".py:" not in text and "Warning" not in text
    # the bar line is cleared, the notice is a line of its own, then the bar comes back with its count
    notice = f"\r\033[KLet op: JEUGDKPI_PSEUDONYM_KEY is niet gezet; een willekeurige pseudoniemsleutel is " \
             f"aangemaakt in {tmp_path / '.pseudonym_key'}. Zet JEUGDKPI_PSEUDONYM_KEY in productie"
    assert notice in text
    after = text.split(notice, 1)[1].split("\n", 1)[1]
    assert after.startswith("\r\033[K  iJw-berichten inlezen") and "4/10 bestanden" in after.split("\n")[0]
    # the second run reads the key: no notice
    screen.truncate(0)
    assert load_or_create_key(None, tmp_path) == key and "Let op" not in screen.getvalue()


def test_created_key_without_a_progress_reporter_goes_to_stderr(tmp_path, capsys):
    from jeugdkpi.pseudonym import load_or_create_key

    load_or_create_key(None, tmp_path)
    err = capsys.readouterr().err
    assert err.startswith("jeugdkpi: let op: JEUGDKPI_PSEUDONYM_KEY is niet gezet") and err.count("\n") == 1
