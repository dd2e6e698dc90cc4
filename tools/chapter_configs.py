"""The training configurations the chapters use, kept in tests/chapter_configs.json for the stand-in tests.

`make notebooks` runs every chapter with `GAN_LIB_CONFIG_LOG` set, so each `gan_lib.Trainer` the chapters
build appends its `TrainConfig` to a log (gan_lib.train.log_config). tests/test_mac_stand_in.py trains a few
steps of every configuration in tests/chapter_configs.json with what a Mac lacks switched off; this tool
keeps that file in step with the chapters:

    python tools/chapter_configs.py check LOG    # exit 1, naming them, if the chapters used configurations the file lacks
    python tools/chapter_configs.py update LOG   # rewrite the file from the log (after a chapter changed what it trains)

A configuration is reduced to the settings that choose code paths (dataset, loss, penalty, architecture,
batch size, ...): run length, seed, learning rates, logging and device are left out, so the file changes
only when a chapter trains something new.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

CONFIGS = Path(__file__).resolve().parents[1] / "tests" / "chapter_configs.json"
IRRELEVANT = ("steps", "progress", "log_every", "data_root", "download", "device", "seed", "lr_g", "lr_d", "betas")


def reduced(config: dict) -> dict:
    """The settings of `config` that choose code paths, in field order."""
    return {name: value for name, value in config.items() if name not in IRRELEVANT}


def read_log(path: Path) -> list[dict]:
    """The distinct reduced configurations in a log, sorted."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        raise SystemExit(f"{path} lists no configuration: were the chapters run with GAN_LIB_CONFIG_LOG={path}?")
    unique = {json.dumps(reduced(json.loads(line)), sort_keys=True) for line in lines}
    return [json.loads(text) for text in sorted(unique)]


def committed() -> list[dict]:
    return json.loads(CONFIGS.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("check", "update"))
    parser.add_argument("log", type=Path, help="the file GAN_LIB_CONFIG_LOG named while the chapters ran")
    args = parser.parse_args(argv)
    used = read_log(args.log)
    if args.command == "update":
        CONFIGS.write_text(json.dumps(used, indent=1) + "\n", encoding="utf-8")
        print(f"{CONFIGS}: {len(used)} configurations")
        return 0
    known = {json.dumps(config, sort_keys=True) for config in committed()}
    missing = [config for config in used if json.dumps(config, sort_keys=True) not in known]
    if missing:
        print(f"The chapters trained {len(missing)} configuration(s) that {CONFIGS.name} lacks, so the Mac stand-in "
              f"tests do not cover them:", file=sys.stderr)
        for config in missing:
            print("  " + json.dumps(config, sort_keys=True), file=sys.stderr)
        print(f"Fix: python tools/chapter_configs.py update {args.log}, then run tests/test_mac_stand_in.py",
              file=sys.stderr)
        return 1
    print(f"every configuration the chapters trained ({len(used)}) is in {CONFIGS.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
