"""The evaluation classifiers gan_lib ships: the same weights, so the same metric, on every machine.

The Fréchet distance between real training and real test images depends only on the
classifier's weights and on float rounding in its forward pass. With the shipped weights it
must reproduce the committed reference (gan_lib/metrics/weights/reference.json) to 1e-3 under
every kernel configuration of this CPU (ATEN_CPU_CAPABILITY x 1 and 2 threads), each in a
fresh process, since PyTorch reads those settings when it starts.
"""
import json
import os
import subprocess
import sys

import pytest

from gan_lib.data import load_fashion_mnist
from gan_lib.device import cpu_kernel_capabilities
from gan_lib.metrics import evaluation_classifier, load_classifier
from gan_lib.metrics.classifier import IMAGE_DATASETS, PACKAGED_DIR, packaged_path

REFERENCE = json.loads((PACKAGED_DIR / "reference.json").read_text())
FLOOR_SCRIPT = """
import json, sys
from gan_lib.metrics import real_data_floor
print(json.dumps({key: real_data_floor(item["dataset"], item["num_samples"], device="cpu", metrics=["fd"])["fd"]
                  for key, item in json.loads(sys.argv[1]).items()}))
"""


@pytest.mark.parametrize("dataset", IMAGE_DATASETS)
def test_shipped_weights_pass_their_checksum_and_are_loaded_by_default(dataset):
    path = packaged_path(dataset)
    assert REFERENCE["weights"][path.name] == path.with_name(path.name + ".sha256").read_text().split()[0]
    shipped = load_classifier(path, dataset)  # raises on a checksum mismatch or a foreign file
    default = evaluation_classifier(dataset, device="cpu", cache_dir="/nonexistent-cache-dir")
    for name, tensor in shipped.state_dict().items():
        assert (default.state_dict()[name] == tensor).all(), name


def test_fashion_mnist_classifier_accuracy():
    classifier = evaluation_classifier("fashion-mnist", device="cpu")
    test = load_fashion_mnist("test")
    accuracy = classifier.accuracy(test.to_unit_range(), test.labels)
    assert accuracy >= 0.90
    assert accuracy == pytest.approx(classifier.test_accuracy, abs=1e-3)  # what the weights file recorded


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("capability", cpu_kernel_capabilities())
def test_real_data_floor_is_the_committed_value_under_every_kernel_configuration(capability, threads):
    env = {**os.environ, "ATEN_CPU_CAPABILITY": capability, "OMP_NUM_THREADS": str(threads)}
    floors = REFERENCE["real_data_floor"]
    done = subprocess.run([sys.executable, "-c", FLOOR_SCRIPT, json.dumps(floors)], env=env,
                          capture_output=True, text=True, check=True)
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    for key, item in floors.items():
        assert measured[key] == pytest.approx(item["fd"], abs=1e-3), key
