"""What the book needs beyond the library: tying a chapter's text to its own run, and its exercises.

- `claims`: `claim` (a statement about the run, checked with a margin), `glue` (a number of the run
  in the text) and `Table`; the names below come from it, so a chapter writes
  `from gan_lib.book import claim, glue`;
- `sweep`: train a grid of configurations over seeds and summarise their metrics (chapters 5, 8, 9);
- `tables`: result rows as aligned text or Markdown;
- `exercises`: the checkers of the code exercises;
- `probes`: D's outputs on fixed points between updates (chapter 2).

Importing the package imports `claims` and `tables` only (neither imports torch).
"""
from .claims import CLAIMS_LOG_VARIABLE, CLAIMS_MODE_VARIABLE, ClaimFailed, Table, claim, claim_holds, glue, glue_all

__all__ = ["CLAIMS_LOG_VARIABLE", "CLAIMS_MODE_VARIABLE", "ClaimFailed", "Table", "claim", "claim_holds", "glue", "glue_all"]
