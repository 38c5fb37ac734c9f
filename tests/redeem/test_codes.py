"""Code extraction by the extension's rules (redemptionCode.ts and its tests): strict hex runs
anywhere (inside URLs, Chinese text, longer hex strings), relaxed 32-character tokens after the
extension's punctuation trim, each code once in the order found, strict first; masking."""

from __future__ import annotations

from allhub_core.redeem import find_codes, is_possible_code, mask_code

HEX = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
Z = "z" * 32
Y = "y" * 32


def test_the_extensions_own_cases():
    assert not is_possible_code(None) and not is_possible_code("") and not is_possible_code("a" * 31)
    assert not is_possible_code("abcd " + "e" * 27)
    assert is_possible_code(Z) and not is_possible_code(Z, strict=True)  # relaxed by default, as find_codes
    text = "\n".join([HEX, HEX.upper(), "g1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", "too-short"])
    assert find_codes(text, strict=True) == [HEX, HEX.upper()]
    assert find_codes("") == []
    wrapped = " ".join([f'("{Z}")', Z, f"<{Y}>", HEX, "invalid-" + "x" * 23])
    assert find_codes(wrapped) == [HEX, Z, Y]


def test_codes_in_urls_and_query_strings():
    text = f"https://relay.example.com/topup?code={HEX}&from=tg and https://x.example/r/{Z}"
    # a hex code is found anywhere; a relaxed one only as a whole token, as the extension does
    assert find_codes(text) == [HEX]
    assert find_codes(f"https://x.example/r/ {Z}") == [Z]


def test_punctuation_around_codes_is_trimmed():
    text = f"codes: {Z}, ({Y}); `{'w' * 32}`! [{'v' * 32}]. {'u' * 32}?"
    assert find_codes(text) == [Z, Y, "w" * 32, "v" * 32, "u" * 32]


def test_chinese_text_full_width_punctuation_and_ideographic_spaces():
    text = f"福利兑换码：{HEX}，先到先得！\u3000{Z}\u3000还有：{Y}。"
    # the hex code is found inside the Chinese text; Z stands between ideographic spaces (JS's \s);
    # Y is glued to a full-width colon and full stop, which the extension does not trim
    assert find_codes(text) == [HEX, Z]
    assert find_codes(text, strict=True) == [HEX]


def test_duplicates_once_in_the_order_found():
    text = f"{Z} {HEX} again {Z}. and {HEX} and ({Z})"
    assert find_codes(text) == [HEX, Z]


def test_a_longer_hex_string_gives_its_32_digit_runs():
    # ``text.match(/[a-fA-F0-9]{32}/g)``: left to right, not overlapping
    long = HEX + HEX[::-1]
    assert find_codes(long, strict=True) == [HEX, HEX[::-1]]


def test_masking_shows_only_the_ends():
    assert mask_code(Z) == "zzzz********zzzz" and HEX not in mask_code(HEX)
    assert mask_code("short") == "********"
