import math

import pytest
import torch

from gan_lib import DATASETS, TOY_DISTRIBUTIONS, UnknownNameError, make_batches
from gan_lib.data import DatasetNotFoundError, ImageBatches, images, load_digits, load_fashion_mnist

from .conftest import rng, write_idx


def test_ring_and_grid_follow_the_standard_settings():
    ring, grid = TOY_DISTRIBUTIONS.get("ring")(), TOY_DISTRIBUTIONS.get("grid")()
    assert ring.modes.shape == (8, 2) and ring.std == 0.01
    assert torch.allclose(ring.modes.norm(dim=1), torch.ones(8))
    assert grid.modes.shape == (25, 2) and grid.std == 0.05
    assert sorted(set(grid.modes[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]


def test_toy_samples_lie_on_their_modes_and_are_seeded():
    ring = TOY_DISTRIBUTIONS.get("ring")()
    x = ring.sample(4000, rng(0))
    distances = torch.cdist(x, ring.modes).min(dim=1).values
    assert distances.max() < 6 * ring.std
    assert torch.equal(x, ring.sample(4000, rng(0)))
    assert not torch.equal(x, ring.sample(4000, rng(1)))
    assert ring.sample(10, rng(0)).shape == (10, 2)


def test_spiral_and_gaussian():
    assert TOY_DISTRIBUTIONS.get("spiral")().modes is None
    x = TOY_DISTRIBUTIONS.get("gaussian")().sample(20000, rng(0))
    assert x.mean(0).abs().max() < 0.05 and (x.std(0) - 1).abs().max() < 0.05


def test_spiral_radius_is_two_theta_over_three_and_a_half_pi():
    # Without noise, every point has r = 2 theta / (3.5 pi) for its angle theta in [pi/2, 3.5 pi]:
    # r runs from 2/7 to 2 (the comment in data/toy.py states the same formula).
    x = TOY_DISTRIBUTIONS.get("spiral")(std=0.0).sample(5000, rng(0))
    radius = x.norm(dim=1)
    assert radius.min() >= 2 / 7 - 1e-5 and radius.max() <= 2 + 1e-5
    assert radius.min() < 0.3 and radius.max() > 1.99
    angle = torch.atan2(x[:, 1], x[:, 0])  # in (-pi, pi]: the angle theta modulo 2 pi
    theta = radius * 3.5 * math.pi / 2
    assert torch.allclose(torch.cos(theta), torch.cos(angle), atol=1e-3)
    assert torch.allclose(torch.sin(theta), torch.sin(angle), atol=1e-3)


def test_digits_are_scaled_to_minus_one_one():
    train, test = load_digits("train"), load_digits("test")
    assert train.images.shape == (1437, 1, 8, 8) and len(test) == 360
    x = train.to_unit_range()
    assert x.min() == -1 and x.max() == 1


def test_fashion_mnist_from_system_path():
    test = load_fashion_mnist("test")
    assert test.images.shape == (10000, 1, 28, 28) and test.images.dtype == torch.uint8
    assert torch.bincount(test.labels).tolist() == [1000] * 10
    assert len(test.classes) == 10


def test_missing_fashion_mnist_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "FASHION_MNIST_SYSTEM_ROOT", tmp_path / "none")
    monkeypatch.setattr(images, "PROJECT_DATA_ROOT", tmp_path / "none")
    monkeypatch.delenv("GAN_LIB_DATA", raising=False)
    with pytest.raises(DatasetNotFoundError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist("train", root=tmp_path)


def write_broken_fashion_mnist(root, kind: str):
    """Fashion-MNIST's test split in `root` with a broken images file: `kind` is truncated, foreign or cut-gz."""
    import gzip

    import numpy as np

    write_idx(root / "t10k-labels-idx1-ubyte", np.array([0, 1, 9]))
    write_idx(root / "t10k-images-idx3-ubyte", np.zeros((3, 28, 28)))
    images_file = root / "t10k-images-idx3-ubyte"
    whole = images_file.read_bytes()
    if kind == "truncated":
        images_file.write_bytes(whole[:-28])
    elif kind == "foreign":
        images_file.write_bytes(b"<html>a login page, saved as the download</html>")
    else:
        images_file.unlink()
        (root / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(whole)[:-10])


@pytest.mark.parametrize("kind,message", [("truncated", "is truncated: expected 2352 values, found 2324"),
                                          ("foreign", "is not an IDX file of unsigned bytes"),
                                          ("cut-gz", "cannot be read .Compressed file ended")])
def test_a_broken_fashion_mnist_file_is_a_dataset_file_error_naming_the_file_and_the_fix(tmp_path, kind, message):
    from gan_lib import GanLibError
    from gan_lib.data import DatasetFileError

    write_broken_fashion_mnist(tmp_path, kind)
    with pytest.raises(DatasetFileError, match=f"t10k-images-idx3-ubyte.*{message}.*delete it and run make data") as error:
        load_fashion_mnist("test", root=tmp_path)
    assert isinstance(error.value, GanLibError) and isinstance(error.value, ValueError)


def test_image_batches_cover_an_epoch_without_repeats_and_resume_exactly():
    data = torch.arange(10.0).reshape(10, 1, 1, 1)
    batches = ImageBatches(data, torch.arange(10), batch_size=3, device=torch.device("cpu"), seed=0)
    first_epoch = torch.cat([batches.next_batch().x.flatten() for _ in range(3)])
    assert len(set(first_epoch.tolist())) == 9  # 3 full batches, no repeats; the tenth image waits
    state = batches.state_dict()
    upcoming = [batches.next_batch().x.flatten().tolist() for _ in range(5)]
    fresh = ImageBatches(data, torch.arange(10), batch_size=3, device=torch.device("cpu"), seed=0)
    fresh.load_state_dict(state)
    assert [fresh.next_batch().x.flatten().tolist() for _ in range(5)] == upcoming


def test_batch_labels_follow_their_images():
    digits = load_digits("train")
    batches = make_batches("digits", 32, "cpu", seed=0, conditional=True)
    x, y = batches.next_batch()
    assert x.shape == (32, 1, 8, 8) and y.shape == (32,)
    for image, label in zip(x[:5], y[:5]):
        index = (digits.to_unit_range() == image).flatten(1).all(dim=1).nonzero()[0, 0]
        assert digits.labels[index] == label


def test_bad_data_requests():
    with pytest.raises(UnknownNameError, match="fashion-mnist"):
        make_batches("cifar10", 8)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        make_batches("ring", 0)
    with pytest.raises(ValueError, match="has no labels"):
        make_batches("ring", 8, conditional=True)
    with pytest.raises(ValueError, match="shape \\(N, C, H, W\\)"):
        ImageBatches(torch.zeros(10, 8, 8), None, 2, torch.device("cpu"))
    with pytest.raises(ValueError, match="floats in \\[-1, 1\\]"):
        ImageBatches(torch.zeros(10, 1, 8, 8, dtype=torch.uint8), None, 2, torch.device("cpu"))
    assert "grid" in DATASETS


def test_gan_lib_download_1_fetches_missing_fashion_mnist_into_gan_lib_data(tmp_path, monkeypatch):
    # What the chapters' Colab cell relies on: with GAN_LIB_DOWNLOAD=1 a missing Fashion-MNIST is fetched
    # (torchvision's downloader, replaced here by one that writes 3 tiny images) into $GAN_LIB_DATA.
    import numpy as np
    import torchvision

    from gan_lib.data import images as image_module

    fetched = []

    def fake_download(root, train, download):
        raw = tmp_path / "store" / "FashionMNIST" / "raw"
        raw.mkdir(parents=True, exist_ok=True)
        prefix = "train" if train else "t10k"
        write_idx(raw / f"{prefix}-images-idx3-ubyte", np.full((3, 28, 28), 255))
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.array([0, 1, 9]))
        fetched.append((root, train, download))

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", fake_download)
    monkeypatch.setattr(image_module, "FASHION_MNIST_SYSTEM_ROOT", tmp_path / "no-system-copy")
    monkeypatch.setattr(image_module, "PROJECT_DATA_ROOT", None)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GAN_LIB_DATA", str(tmp_path / "store"))
    monkeypatch.delenv("GAN_LIB_DOWNLOAD", raising=False)
    with pytest.raises(image_module.DatasetNotFoundError, match="GAN_LIB_DOWNLOAD"):
        image_module.load_fashion_mnist("test")
    assert fetched == []  # nothing downloaded unless allowed
    monkeypatch.setenv("GAN_LIB_DOWNLOAD", "1")
    test = image_module.load_fashion_mnist("test")
    assert fetched == [(str(tmp_path / "store"), False, True)]
    assert test.labels.tolist() == [0, 1, 9] and float(test.to_unit_range().min()) == 1.0
    monkeypatch.setenv("GAN_LIB_DOWNLOAD", "yes")
    with pytest.raises(ValueError, match="GAN_LIB_DOWNLOAD='yes': use 1"):
        image_module.download_allowed()
