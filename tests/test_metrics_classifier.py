import hashlib
import shutil
import warnings

import pytest
import torch

from gan_lib.data import load_digits
from gan_lib.metrics import ClassifierCacheError, EvaluationClassifier, cache_path, evaluation_classifier, load_classifier


@pytest.fixture(scope="module")
def digits_cache(tmp_path_factory):
    """A cache directory holding the trained digits classifier (shared with test_metrics_images)."""
    directory = tmp_path_factory.getbasetemp() / "gan_lib_cache"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the normal first run (nothing cached yet) trains without a warning
        evaluation_classifier("digits", device="cpu", cache_dir=directory, packaged=False)
    return directory


def test_digits_classifier_is_accurate_and_cached(digits_cache):
    path = cache_path("digits", digits_cache)
    assert path.is_file() and path.with_name(path.name + ".sha256").is_file()
    model = evaluation_classifier("digits", device="cpu", cache_dir=digits_cache, packaged=False)  # loads it
    test = load_digits("test")
    assert model.test_accuracy >= 0.93
    assert model.accuracy(test.to_unit_range(), test.labels) == pytest.approx(model.test_accuracy)
    rms = model.embed(load_digits("train").to_unit_range())[0].pow(2).mean().sqrt()
    assert float(rms) == pytest.approx(1.0, rel=1e-4)  # features are scaled to unit RMS on the training images
    features, logits = model.embed(test.to_unit_range()[:7])
    assert features.shape == (7, 128) and logits.shape == (7, 10)
    assert torch.equal(model.features(test.to_unit_range()[:7]), features)
    with pytest.raises(ValueError, match=r"shape \(N, 1, 8, 8\)"):
        model.embed(torch.zeros(3, 1, 28, 28))


def test_corrupt_or_modified_cache_is_detected_and_retrained(digits_cache, tmp_path):
    shutil.copytree(digits_cache, tmp_path, dirs_exist_ok=True)
    path = cache_path("digits", tmp_path)
    original = path.read_bytes()
    path.write_bytes(original[: len(original) // 2])  # a truncated download or an interrupted copy
    with pytest.raises(ClassifierCacheError, match="checksum mismatch"):
        load_classifier(path, "digits")
    with pytest.warns(UserWarning, match="checksum mismatch.*skipping it"):
        model = evaluation_classifier("digits", device="cpu", cache_dir=tmp_path, packaged=False)
    reloaded = load_classifier(path, "digits")  # the rewritten file passes its checksum again ...
    original_model = load_classifier(cache_path("digits", digits_cache), "digits")
    for name, tensor in original_model.state_dict().items():  # ... and training is deterministic: same weights
        assert torch.equal(tensor, reloaded.state_dict()[name]), name
    assert model.test_accuracy == original_model.test_accuracy

    # A readable PyTorch file with a matching checksum that is not our network.
    torch.save({"weights": torch.zeros(3)}, path)
    checksum_file = path.with_name(path.name + ".sha256")
    checksum_file.write_text(hashlib.sha256(path.read_bytes()).hexdigest() + "\n")
    with pytest.raises(ClassifierCacheError, match="not the 'digits' evaluation classifier"):
        load_classifier(path, "digits")

    checksum_file.unlink()
    with pytest.raises(ClassifierCacheError, match="no checksum file"):
        load_classifier(path, "digits")


def test_unknown_dataset_and_missing_cache(tmp_path):
    with pytest.raises(ValueError, match="choose one of: digits, fashion-mnist"):
        evaluation_classifier("cifar10", cache_dir=tmp_path)
    with pytest.raises(ClassifierCacheError, match="no cached classifier"):
        load_classifier(tmp_path / "missing.pt", "digits")
    assert isinstance(EvaluationClassifier((1, 8, 8)), torch.nn.Module)
    with pytest.raises(ValueError, match="multiples of 4"):
        EvaluationClassifier((1, 10, 10))
