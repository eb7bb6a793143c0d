"""Resident ID-card numbers (GB 11643-1999): check character, validation
messages, masking, keyed hash, encryption and key rotation."""

import datetime

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.utils import translation

from members import idcard
from tests.factories import valid_id_number

PUBLISHED_EXAMPLE = "11010519491231002X"  # the example number of GB 11643-1999


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def fresh_fernet():
    """The Fernet objects are cached per key tuple; start and end clean."""
    idcard._fernet.cache_clear()
    yield
    idcard._fernet.cache_clear()


def refused(value: str) -> str:
    with pytest.raises(ValidationError) as caught:
        idcard.normalize(value)
    assert len(caught.value.messages) == 1
    return caught.value.messages[0]


# --- check character and normalisation -------------------------------------------


def test_published_example_has_check_character_x():
    assert idcard.check_char(PUBLISHED_EXAMPLE[:17]) == "X"
    assert idcard.normalize(PUBLISHED_EXAMPLE) == PUBLISHED_EXAMPLE


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("44052418800101001", "4"),  # the standard's second example, 440524188001010014
        ("11010119900307123", "3"),  # weighted sum 174, remainder 9
        ("11010119900307100", "6"),  # weighted sum 160, remainder 6
        ("32010619850815441", "X"),  # weighted sum 299, remainder 2
    ],
)
def test_check_character_of_known_numbers(first17, check):
    # The weights of the standard are 2^(18-i) mod 11 for position i = 1…17.
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    assert "10X98765432"[total % 11] == check
    assert idcard.check_char(first17) == check
    assert idcard.normalize(first17 + check) == first17 + check


def test_every_possible_check_character_round_trips():
    seen = set()
    for seq in range(200):
        number = valid_id_number(seq, datetime.date(1975, 6, 30))
        assert idcard.normalize(number) == number
        seen.add(number[-1])
    assert seen == set("0123456789X")


def test_lower_case_x_and_spaces_are_accepted_and_normalised():
    assert idcard.normalize("11010519491231002x") == PUBLISHED_EXAMPLE
    assert idcard.normalize("  110105 19491231 002x ") == PUBLISHED_EXAMPLE


def test_birth_date_and_gender_read_from_the_number():
    assert idcard.birth_date(PUBLISHED_EXAMPLE) == datetime.date(1949, 12, 31)
    assert idcard.gender(PUBLISHED_EXAMPLE) == "female"  # 17th digit 2: even
    assert idcard.gender(valid_id_number(1)) == "male"  # sequence 001: odd


# --- refusals, each with its own message ----------------------------------------------


@pytest.mark.parametrize(
    ("value", "length"),
    [("1101051949123100", 16), ("11010519491231002X1", 19), ("", 0)],
)
def test_wrong_length_is_refused_with_the_length(value, length):
    assert refused(value) == (f"An ID-card number has 18 characters; this one has {length}.")


@pytest.mark.parametrize(
    "value", ["11010519491231002A", "1101051949123100X2", "11O10519491231002X"]
)
def test_letters_are_refused(value):
    assert refused(value) == "An ID-card number is 17 digits and a digit or X."


def test_impossible_date_is_refused():
    first17 = "11010119990230123"  # 30 February 1999
    number = first17 + idcard.check_char(first17)
    assert refused(number) == "The date of birth in the ID-card number is not a date."


def test_future_birth_date_is_refused():
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    assert refused(valid_id_number(7, tomorrow)) == (
        "The date of birth in the ID-card number is not possible."
    )
    assert refused(valid_id_number(7, datetime.date(1879, 12, 31))) == (
        "The date of birth in the ID-card number is not possible."
    )
    today = datetime.date.today()
    assert idcard.normalize(valid_id_number(7, today)) == valid_id_number(7, today)


def test_wrong_check_character_is_refused():
    wrong = "0" if PUBLISHED_EXAMPLE[-1] != "0" else "1"
    assert refused(PUBLISHED_EXAMPLE[:17] + wrong) == (
        "The check character of the ID-card number is wrong."
    )
    number = valid_id_number(42)
    other = "X" if number[-1] != "X" else "5"
    assert refused(number[:17] + other) == "The check character of the ID-card number is wrong."


@pytest.mark.parametrize(
    "value",
    [
        # Full-width digits, as a Chinese input method types them.
        "１１０１０５１９４９１２３１００２X",
        # A superscript two among the digits ("²".isdigit() is True, int("²") fails).
        "²10105194912310020",
    ],
)
def test_non_ascii_digits_are_refused_or_normalised(value):
    """A number that passes must be the plain ASCII number, or the keyed hash
    (and so the duplicate check) and the mask see a different number; and bad
    input must give a ValidationError, never an unexpected exception."""
    try:
        number = idcard.normalize(value)
    except ValidationError:
        return
    assert number.isascii(), f"normalize() returned the non-ASCII number {number!r}"


# --- mask ----------------------------------------------------------------------------


def test_mask_shows_first_four_and_last_four():
    assert idcard.mask("110101199003071234") == "1101**********1234"
    assert idcard.mask(PUBLISHED_EXAMPLE) == "1101**********002X"
    assert len(idcard.mask(PUBLISHED_EXAMPLE)) == 18
    assert idcard.mask("") == ""


# --- keyed hash ------------------------------------------------------------------------


def test_keyed_hash_is_stable_and_depends_on_the_key(settings):
    settings.ID_HASH_KEY = "first-key"
    first = idcard.keyed_hash(PUBLISHED_EXAMPLE)
    assert first == idcard.keyed_hash(PUBLISHED_EXAMPLE)
    assert len(first) == 64
    assert PUBLISHED_EXAMPLE not in first
    assert idcard.keyed_hash(valid_id_number(1)) != first

    settings.ID_HASH_KEY = "second-key"
    assert idcard.keyed_hash(PUBLISHED_EXAMPLE) != first

    settings.ID_HASH_KEY = "first-key"
    assert idcard.keyed_hash(PUBLISHED_EXAMPLE) == first


# --- encryption and key rotation ---------------------------------------------------------


def test_encrypt_decrypt_round_trip_hides_the_number(settings, fresh_fernet):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    token = idcard.encrypt(PUBLISHED_EXAMPLE)
    assert PUBLISHED_EXAMPLE not in token
    assert PUBLISHED_EXAMPLE[:14] not in token
    assert idcard.decrypt(token) == PUBLISHED_EXAMPLE
    # Fernet tokens carry a random IV: the same number twice gives two tokens.
    assert idcard.encrypt(PUBLISHED_EXAMPLE) != token


def test_key_rotation_old_tokens_still_decrypt(settings, fresh_fernet):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    old_token = idcard.encrypt(PUBLISHED_EXAMPLE)

    idcard._fernet.cache_clear()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert idcard.decrypt(old_token) == PUBLISHED_EXAMPLE
    new_token = idcard.encrypt(PUBLISHED_EXAMPLE)
    assert idcard.decrypt(new_token) == PUBLISHED_EXAMPLE

    # New tokens are made with the newest key: they decrypt with it alone.
    idcard._fernet.cache_clear()
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert idcard.decrypt(new_token) == PUBLISHED_EXAMPLE
    with pytest.raises(ValueError, match="cannot be decrypted"):
        idcard.decrypt(old_token)


def test_token_of_an_unknown_key_raises_value_error(settings, fresh_fernet):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    foreign = Fernet(Fernet.generate_key()).encrypt(PUBLISHED_EXAMPLE.encode()).decode()
    with pytest.raises(ValueError, match="cannot be decrypted with the configured keys"):
        idcard.decrypt(foreign)
    with pytest.raises(ValueError):
        idcard.decrypt("not a token at all")
