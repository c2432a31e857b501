"""@username mentions as written in a message body."""

import re

MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.-]{3,32})")


def mentioned_usernames(body: str) -> list[str]:
    """Each distinct candidate, lower-cased, in order; a trailing dot is offered both ways."""
    candidates: list[str] = []
    for match in MENTION.finditer(body):
        name = match.group(1).lower()
        candidates.append(name)
        if name.endswith(".") and len(name.rstrip(".")) >= 3:
            # "ask @bob." most often ends a sentence; both spellings are valid usernames.
            candidates.append(name.rstrip("."))
    return list(dict.fromkeys(candidates))
