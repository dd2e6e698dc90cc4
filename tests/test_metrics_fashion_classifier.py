"""The Fashion-MNIST evaluation classifier reaches the accuracy the book quotes (>= 90%).

It uses the default cache ($GAN_LIB_CACHE or ~/.cache/gan_lib), shared with the notebooks and
`make bench`: the first run on a machine trains the network (about 1.5 minutes of one CPU core,
once), every later run loads it and re-measures the test accuracy in a few seconds.
"""
import pytest

from gan_lib.data import load_fashion_mnist
from gan_lib.metrics import cache_path, evaluation_classifier, load_classifier


def test_fashion_mnist_classifier_accuracy():
    classifier = evaluation_classifier("fashion-mnist", device="cpu")
    test = load_fashion_mnist("test")
    accuracy = classifier.accuracy(test.to_unit_range(), test.labels)
    assert accuracy >= 0.90
    assert accuracy == pytest.approx(classifier.test_accuracy, abs=1e-4)  # what the cache file recorded
    assert load_classifier(cache_path("fashion-mnist"), "fashion-mnist").test_accuracy == classifier.test_accuracy
