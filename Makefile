# GAN Book: `make book` builds the executed HTML book; `make test` runs every check; `make lab` runs the
# chapters live in JupyterLab.
# Both do all set-up first (virtual environment, packages, data, web assets) and are idempotent.
# `make unit` and `make notebooks` set up only what they need: the venv and the data (no npm web assets).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BUILD := _build
HTML := $(BUILD)/html
BOOK_FLAGS := -W --keep-going
# Two kernel configurations for `make test` (tools/second_kernels.py): nbval and the book build execute the
# chapters side by side, each on one thread, nbval under the machine's best kernels (AVX-512 on an AVX-512
# CPU), the book build one vector width down (AVX2 there; the unvectorised kernels on an AVX2-only CPU).
# Their float results of training differ as another CPU's or a GPU's would, so a chapter claim that held
# only under one configuration fails the build (gan_lib.book.claim raises). Margins:
# notebooks/results/claim_spread.md. Two one-thread jobs on two cores do not slow each other as two
# two-thread jobs would, and take about half the time of running the two one after the other.
FIRST_KERNELS = $(shell $(PY) tools/second_kernels.py --first)
SECOND_KERNELS = $(shell $(PY) tools/second_kernels.py)
# Each stage of `make test` appends its seconds here; the file is printed at the end.
STAGE_TIMES := $(BUILD)/test_stage_seconds.txt
# $(call timed,TARGET[ VARIABLE=VALUE]): runs `make TARGET` and records how long it took. The parentheses make
# it one command whose status is the stage's, so that `$(call timed,a) && $(call timed,b)` stops at a failed a
# (without them the `;` inside let b run, and the line's status was b's: a failed stage passed the test).
timed = (start=$$(date +%s); $(MAKE) --no-print-directory $(1) && \
        echo "$(firstword $(1)): $$(( $$(date +%s) - start )) s" >> $(STAGE_TIMES))
# Set by `make test` to run the book build under SECOND_KERNELS and nbval under FIRST_KERNELS; empty for a
# plain `make book` or `make notebooks` (the machine's default kernels and threads).
BOOK_KERNELS ?=
NOTEBOOK_KERNELS ?=
# Debian packages the browser check needs: Chromium, and a CJK font for the glossary's Chinese terms.
BROWSER_PACKAGES := chromium fonts-wqy-microhei

.PHONY: setup data web-assets browser-deps book lab test unit notebooks execute check-links browser-check \
        launch-check playground-check lab-check explorer-check explorer-data bench bench-quick claim-spread clean

setup: $(STAMP) data

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

data: $(STAMP)
	@bash tools/install_data.sh $(PY)

# MathJax, RequireJS, the ipywidgets renderer, Font Awesome 4 (npm, pinned in tools/offline_assets.py),
# served from the built site so that it works offline.
web-assets: $(STAMP)
	@$(PY) tools/offline_assets.py install $(VENV)/web_assets

browser-deps: $(STAMP)
	@bash tools/apt_install.sh $(BROWSER_PACKAGES)

# Progress bars off (TQDM_DISABLE: tqdm's own switch): they write to stderr, which fails the -W build.
# Executes every chapter through the jupyter-cache in _build/.jupyter_cache: a notebook is re-run only
# when its code changed (or gan_lib did: the guard empties the cache), so a second build is quick.
book: setup web-assets
	@$(PY) tools/book_cache_guard.py $(BUILD)/.jupyter_cache $(if $(BOOK_KERNELS),--kernels "$(BOOK_KERNELS)")
	TQDM_DISABLE=1 $(BOOK_KERNELS) $(VENV)/bin/jupyter-book build . $(BOOK_FLAGS)
	@echo "Book built: $(CURDIR)/$(HTML)/index.html"

# The chapters live: JupyterLab on notebooks/, the venv's Python as the kernel (JUPYTER_PREFER_ENV_PATH: the
# venv's python3 kernelspec, not one in the user's folders), ipywidgets rendered by jupyterlab_widgets.
# JupyterLab's defaults: localhost only, a token in the URL it prints. --allow-root only when run as root
# (a container), where JupyterLab refuses to start without it. Ctrl+C stops it.
lab: setup
	@echo "Starting JupyterLab on notebooks/ with the kernel $(CURDIR)/$(PY): open the URL with the token below."
	JUPYTER_PREFER_ENV_PATH=1 $(PY) -m jupyterlab notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

unit: setup
	$(PY) -m pytest tests

# nbval on every chapter, once each. CHAPTER_ALONE (one that reads committed results; the FAQ is the
# cheapest) runs as a reader runs a downloaded notebook: a copy alone in an empty folder, gan_lib from
# its wheel (tools/nbval_alone.py), so a chapter that reads a file of the checkout fails.
CHAPTER_ALONE := notebooks/09_faq.ipynb
# Every gan_lib.Trainer the chapters build logs its config here; tools/chapter_configs.py then checks that the
# Mac stand-in tests (tests/test_mac_stand_in.py, over tests/chapter_configs.json) cover each of them.
CONFIG_LOG := $(CURDIR)/$(BUILD)/chapter_configs.jsonl
CONFIG_LOGGING := GAN_LIB_CONFIG_LOG=$(CONFIG_LOG)
notebooks: setup
	@mkdir -p $(BUILD) && rm -f $(CONFIG_LOG)
	$(CONFIG_LOGGING) $(NOTEBOOK_KERNELS) $(PY) -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider notebooks --ignore=$(CHAPTER_ALONE)
	$(CONFIG_LOGGING) $(NOTEBOOK_KERNELS) $(PY) tools/nbval_alone.py $(CHAPTER_ALONE)
	$(PY) tools/chapter_configs.py check $(CONFIG_LOG)

# Every local link and source in the built HTML exists, and nothing loads from the internet.
check-links: $(STAMP)
	$(PY) tools/check_links.py $(HTML)

# Every page in headless Chromium: images, equations, console; screenshots in _build/screenshots/.
# Needs a built book (make book); runs on its own too.
browser-check: browser-deps
	$(PY) tools/browser_check.py --site $(HTML) --screenshots $(BUILD)/screenshots

# The Colab and Binder launch buttons, on a two-page book built with _config.yml's launch settings and a
# placeholder repository address (the book has none yet, so its own pages show no buttons), in headless
# Chromium: each page's buttons must point at that page's notebook. About 20 s; screenshots launch-*.png.
launch-check: browser-deps
	$(PY) tools/launch_buttons_check.py --screenshots $(BUILD)/screenshots

# The 2D playground on a live kernel (Voilà) in headless Chromium: move a slider, train, pause; the step
# counter must advance and the plot change; nothing may load from another host (Font Awesome comes from
# web-assets). Screenshots playground-*.png in _build/screenshots/.
playground-check: browser-deps web-assets
	$(PY) tools/playground_browser_check.py --screenshots $(BUILD)/screenshots

# Chapter 2 in JupyterLab (started as `make lab` starts it) in headless Chromium: run its cells up to the
# playground, then move a slider and train; the kernel must be the venv's Python, no cell may raise, the
# console must stay clean and nothing may load from another host. Screenshots lab-*.png in _build/screenshots/.
lab-check: browser-deps
	$(PY) tools/lab_browser_check.py --screenshots $(BUILD)/screenshots

# The static explorers (precomputed runs, book/_static/explorer/) in headless Chromium: every run of each grid
# reached through the knobs, the step scrubber, the view switches and Play; the readouts must show the data
# file's values. The built book's pages that hold an explorer, and tools/explorer_demo.html (http and file://).
# Needs a built book (make book); screenshots explorer-*.png in _build/screenshots/.
explorer-check: browser-deps
	$(PY) tools/explorer_browser_check.py --site $(HTML) --demo --screenshots $(BUILD)/screenshots

# Retrains the explorers' runs and rewrites their committed data (about 8 minutes on one core); not part of `test`.
explorer-data: setup
	$(PY) tools/explorer_data.py --chapter all

# In this order, each stage timed (_build/test_stage_seconds.txt); sub-makes keep the order under `make -j`.
# `execute` runs nbval and the book build at the same time (make -j2; each one's output is printed when it
# ends), under the two kernel configurations above. The benchmarks' quick form checks that `make bench`
# still runs end to end (its figures go to *-quick.* files, not the committed results).
TEST_STAGES := check-links browser-check launch-check playground-check lab-check explorer-check bench-quick
test: setup web-assets
	@mkdir -p $(BUILD) && rm -f $(STAGE_TIMES)
	@$(call timed,unit)
	@$(call timed,execute)
	@$(foreach stage,$(TEST_STAGES),$(call timed,$(stage)) &&) true
	@echo "Seconds per stage:" && cat $(STAGE_TIMES)
	@echo "All checks passed."

# Every chapter under every kernel configuration of this CPU (ATEN_CPU_CAPABILITY x 1, 2 threads): the
# spread of each claim, merged into notebooks/results/claim_spread.{json,md} after every run. Run again, it
# measures only what is missing for today's code (--missing), so an interrupted spread resumes. About 1.6 hours
# on 2 cores: single-thread runs two at a time, two-thread runs alone.
claim-spread: setup
	$(PY) tools/claim_spread.py --parallel 2 --missing

execute: setup web-assets
	@$(MAKE) --no-print-directory -j2 --output-sync=target notebooks book \
	  NOTEBOOK_KERNELS="$(FIRST_KERNELS)" BOOK_KERNELS="$(SECOND_KERNELS)"

bench: setup
	$(PY) -m benchmarks.run

bench-quick: setup
	$(PY) -m benchmarks.run --quick

clean:
	rm -rf $(BUILD)
