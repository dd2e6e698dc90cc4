"""Benchmarks of gan_lib: sample quality (quality.py) and training speed (speed.py).

Run them all with `python -m benchmarks.run [--quick]` (`make bench`, `make bench-quick`);
results go to benchmarks/results/, those a chapter shows to gan_lib/results/ (they ship with
gan_lib: gan_lib.results). Nothing runs at import.
"""
