"""Names people read — pseudonyms and display names: the form they are shown in, what
they may not be, and the key that makes two lookalike names one name.

A pseudonym protects only if nobody can pose as someone else under it, and a public name
must not give away an email address; text that looks the same can differ in its code
points: invisible characters (zero-width space,
joiners, BOM, bidi controls), compatibility forms (a fullwidth A, U+FF21), letters of
another script (Cyrillic A, U+0410, for Latin A), case. So a name is

- `shown`: NFKC, invisible and format characters removed, whitespace runs collapsed to
  one space — what is stored and displayed;
- checked by `problem` (`checked` raises it as a 422 naming the kind's field): not empty
  once shown, not too long for its kind, no `@` (no email address), no control or
  private-use characters, and not mixing scripts whose letters are confusable with each
  other ("Alice" with a Cyrillic A among its Latin letters), the mixed-script check of
  Unicode TS #39;
- for pseudonyms, which must be unique in their consultation, unique under both its
  `lookalike_keys`: the TS #39 skeleton of its case fold
  (`alice`, `ALICE`, and "Alice" spelt in Cyrillic letters) and its skeleton as written
  (`AIice` with a capital I and `Alice`; folding first would tell these apart,
  skeleton-then-fold would tell `ALICE` from `alice`, so both keys are kept).

Confusables come from Unicode's `confusables.txt` as packaged by `confusable-homoglyphs`
(its data lists each source character with its prototype and each prototype with its
sources; `_prototypes` recovers the direction). tests/identity/test_names.py pins the
mappings this relies on, so a data change that breaks them fails there.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import NamedTuple

from confusable_homoglyphs import categories, confusables

from agora_kit.errors import InvalidArgument


class Kind(NamedTuple):
    """A kind of name: what errors call it, the field they name, its length."""

    noun: str
    field: str
    max_chars: int


PSEUDONYM = Kind("a pseudonym", "pseudonym", 40)
DISPLAY_NAME = Kind("a display name", "display_name", 80)

# Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt) that are not
# already format characters (Cf): fillers and variation selectors render as nothing.
_IGNORABLE = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
              (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0x1BCA0, 0x1BCA3),
              (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF), (0x2800, 0x2800))  # + braille blank
_REFUSED_CATEGORIES = {"Cc": "control characters", "Co": "private-use characters",
                       "Cs": "unpaired surrogates"}
_SCRIPTLESS = {"COMMON", "INHERITED"}
_MARKS = "\u200e\u200f"  # confusables.txt wraps right-to-left characters in these


def _invisible(char: str) -> bool:
    code = ord(char)
    return (unicodedata.category(char) == "Cf"
            or any(low <= code <= high for low, high in _IGNORABLE))


def shown(text: str) -> str:
    """The name as stored and displayed."""
    visible = "".join(c for c in unicodedata.normalize("NFKC", text) if not _invisible(c))
    return " ".join(visible.split())


def checked(text: str, kind: Kind) -> str:
    """The name as shown, or InvalidArgument naming the kind's field."""
    name = shown(text)
    reason = problem(name, kind)
    if reason is not None:
        raise InvalidArgument(reason, field=kind.field)
    return name


def problem(name: str, kind: Kind) -> str | None:
    """Why a shown name cannot be a name of this kind, or None."""
    if not name:
        return f"{kind.noun} needs at least one visible character"
    if len(name) > kind.max_chars:
        return f"{kind.noun} has at most {kind.max_chars} characters"
    if "@" in name:  # NFKC made every look-alike at sign (fullwidth, small) this one
        return f"{kind.noun} cannot contain '@' (it must not be an email address)"
    for char in name:
        refused = _REFUSED_CATEGORIES.get(unicodedata.category(char))
        if refused:
            return f"{kind.noun} cannot contain {refused}"
    if _mixes_confusable_scripts(name):
        return (f"{kind.noun} cannot mix scripts whose letters look alike "
                "(e.g. a Cyrillic letter among Latin ones)")
    return None


def _mixes_confusable_scripts(name: str) -> bool:
    """Whether a letter of one script in the name looks like one of another script that
    is also in it (TS #39 mixed-script confusable). `confusables.is_dangerous` would also
    refuse "Anna 李", whose scripts cannot be confused, so each script is checked against
    the others actually present."""
    scripts = {categories.alias(c) for c in name} - _SCRIPTLESS
    if len(scripts) < 2:
        return False
    for char in set(name):
        script = categories.alias(char)
        if script in scripts and confusables.is_confusable(
                char, preferred_aliases=sorted(scripts - {script})):
            return True
    return False


class LookalikeKeys(NamedTuple):
    """Two names look alike when either key is equal; each is unique in a consultation."""

    folded: str  # skeletons of case folds: "alice" = "ALICE" = Cyrillic "Alice", "B0b" = "bob"
    cased: str  # skeleton as written: "AIice" (capital I) = "Alice"


def lookalike_keys(name: str) -> LookalikeKeys:
    # Folded again after the skeleton: prototypes may be capitals ("0" → "O").
    folded = skeleton(skeleton(name.casefold()).casefold())
    return LookalikeKeys(folded=folded, cased=skeleton(name))


def skeleton(text: str) -> str:
    """Unicode TS #39 skeleton: NFD, each character replaced by its prototype, NFD."""
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(prototypes.get(c, c) for c in decomposed))


@functools.cache
def _prototypes() -> dict[str, str]:
    """Source character → prototype, from the package's confusables data.

    The data links every source to its prototype in both directions, so it is a set of
    stars: a character with several neighbours is a prototype (a source has exactly one,
    its prototype); a source's prototype may be a sequence ("m" → "rn"). Where two
    characters only know each other, either can be the prototype: the smaller is taken,
    which keeps equality of skeletons exact."""
    links: dict[str, list[str]] = {}
    for key, entries in confusables.confusables_data.items():
        links[key.strip(_MARKS)] = [entry["c"].strip(_MARKS) for entry in entries]
    table: dict[str, str] = {}
    for char, neighbours in links.items():
        if len(char) != 1 or len(neighbours) != 1:
            continue
        target = neighbours[0]
        if len(target) != 1 or len(links.get(target, ())) > 1 or target < char:
            table[char] = target
    return table
