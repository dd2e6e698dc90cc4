"""The comment beside each field of a dataclass, read from its source: one text for the code and the CLI.

`TrainConfig` documents every default with a comment on its line (why that value);
`python -m gan_lib train --help` shows the same words, so the two cannot disagree.
"""
from __future__ import annotations

import inspect
import io
import textwrap
import tokenize
from dataclasses import fields


def field_comments(cls) -> dict[str, str]:
    """{field name: the comment that ends the line declaring it} for dataclass `cls`; fields without
    a comment are left out, and so is everything when the source cannot be read (a frozen build)."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    names = {f.name for f in fields(cls)}
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    comments: dict[str, str] = {}
    for i, token in enumerate(tokens[:-1]):
        declares = token.type == tokenize.NAME and token.string in names and tokens[i + 1].string == ":"
        if not declares or token.string in comments:
            continue
        for later in tokens[i:]:  # up to the end of the declaring line
            if later.type == tokenize.COMMENT:
                comments[token.string] = later.string.lstrip("#").strip()
                break
            if later.type in (tokenize.NEWLINE, tokenize.NL):
                break
    return comments
