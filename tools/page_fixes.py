"""Sphinx extension: fixes to the pages Jupyter Book 1.x writes, found by the browser check.

- sphinx-thebe 0.3.1 (and sphinx-togglebutton) register their inline scripts twice under Sphinx 7.4:
  once with filename None, once with '' (so Sphinx's own check does not see the duplicate), and the
  second `const THEBE_JS_URL = ...` throws "Identifier 'THEBE_JS_URL' has already been declared" on
  every page. Each page's script list is de-duplicated (first occurrence kept, order unchanged).
- sphinx-book-theme 1.3 raises (TypeError in add_launch_buttons) on every notebook page when launch buttons
  are configured and the repository address is empty, and Jupyter Book fills an absent `repository: url:`
  with its own repository's address. _config.yml keeps the address "" until the book has one; then the
  launch buttons are dropped here, so they appear exactly when the address is set.
The pydata theme's "Got invalid theme mode" console error is fixed in _config.yml (html_context.default_mode).
"""

from __future__ import annotations


def drop_duplicate_scripts(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set = set()
    unique = []
    for script in scripts:
        key = script if isinstance(script, str) else (
            str(script.filename or ""), tuple(sorted((name, str(value)) for name, value in script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique  # in place: handlers after this one may still add to the same list


def launch_buttons_need_a_repository(app, config) -> None:
    options = config.html_theme_options
    if not options.get("repository_url"):
        options.pop("launch_buttons", None)


def setup(app) -> dict:
    app.connect("config-inited", launch_buttons_need_a_repository)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)  # after the themes add theirs
    return {"parallel_read_safe": True, "parallel_write_safe": True}
