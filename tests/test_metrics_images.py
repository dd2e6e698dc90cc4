import pytest
import torch
import torchvision.transforms.functional as TF

from gan_lib.data import load_digits
from gan_lib.metrics import METRIC_NAMES, evaluate_images, evaluation_classifier, real_data_floor


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    """The digits evaluation classifier gan_lib ships."""
    return evaluation_classifier("digits", device="cpu", cache_dir=tmp_path_factory.getbasetemp() / "gan_lib_cache")


@pytest.fixture(scope="module")
def digits():
    return load_digits("train").to_unit_range(), load_digits("test").to_unit_range()


def _noisy(images: torch.Tensor, std: float) -> torch.Tensor:
    noise = torch.randn(images.shape, generator=torch.Generator().manual_seed(1))
    return (images + std * noise).clamp(-1, 1)


def _blurred(images: torch.Tensor, sigma: float) -> torch.Tensor:
    return TF.gaussian_blur(images, kernel_size=5, sigma=sigma) if sigma else images


def test_real_data_floor_is_small(classifier, digits):
    train, test = digits
    floor = real_data_floor("digits", classifier=classifier)  # 360 training digits scored against the 360 test digits
    assert set(METRIC_NAMES) <= set(floor) and floor["num_samples"] == 360
    # With 360 images a side the floor's FD is 1.2-2.0 and its KID -0.007-0.027 over evaluation seeds 0-5, as
    # high as test digits with noise of std 0.2 (FD 1.8-2.2); noise of std 0.4 is measurably worse (FD 3.4-4.3,
    # KID 0.049-0.090), and std 1.0 far worse (FD 13.3-15.9, KID 0.41-0.53).
    noisy = evaluate_images(_noisy(test, 0.4), "digits", train, classifier=classifier)
    very_noisy = evaluate_images(_noisy(test, 1.0), "digits", train, classifier=classifier)
    assert floor["fd"] < noisy["fd"] and floor["fd"] < 0.2 * very_noisy["fd"]
    assert floor["kid"] < noisy["kid"] and floor["kid"] < 0.1 * very_noisy["kid"]
    assert floor["precision"] > 0.7 and floor["recall"] > 0.7 and floor["coverage"] > 0.8
    assert floor["classifier_score"] > 8  # ten well-separated, balanced classes
    identical = evaluate_images(test, "digits", test, classifier=classifier)
    assert identical["fd"] == pytest.approx(0.0, abs=1e-6)
    assert identical["precision"] == identical["recall"] == identical["coverage"] == 1.0


@pytest.mark.parametrize("corrupt, levels", [(_noisy, (0.0, 0.2, 0.5, 1.0)), (_blurred, (0.0, 0.6, 1.0, 2.0))],
                         ids=["noise", "blur"])
def test_fd_and_kid_grow_with_corruption(classifier, digits, corrupt, levels):
    train, test = digits
    scores = [evaluate_images(corrupt(test, level), "digits", train, classifier=classifier) for level in levels]
    fds, kids = [s["fd"] for s in scores], [s["kid"] for s in scores]
    assert fds == sorted(fds) and len(set(fds)) == len(fds), fds
    assert kids == sorted(kids) and len(set(kids)) == len(kids), kids
    # Heavy blur turns every digit into one kind of blob: some land inside the real manifold (precision
    # need not fall), none covers the variety of real digits (coverage and recall must).
    assert scores[-1]["coverage"] < 0.2 * scores[0]["coverage"] and scores[-1]["recall"] < scores[0]["recall"]


def test_evaluate_images_rejects_bad_input(classifier, digits):
    train, test = digits
    with pytest.raises(ValueError, match=r"floats in \[-1, 1\]"):
        evaluate_images(load_digits("test").images, "digits", classifier=classifier)
    with pytest.raises(ValueError, match=r"must lie in \[-1, 1\]"):
        evaluate_images(test * 3, "digits", classifier=classifier)
    with pytest.raises(ValueError, match=r"shape \(N, C, H, W\)"):
        evaluate_images(test.flatten(1), "digits", classifier=classifier)
    with pytest.raises(ValueError, match="at least 10 images"):
        evaluate_images(test[:5], "digits", classifier=classifier)
    with pytest.raises(ValueError, match=r"expected images of shape \(N, 1, 8, 8\)"):
        evaluate_images(torch.zeros(20, 1, 28, 28), "digits", train, classifier=classifier)


def test_metrics_are_chosen_by_name_and_an_unknown_name_lists_the_known_ones(classifier, digits):
    from gan_lib import UnknownNameError
    from gan_lib.metrics import IMAGE_METRICS

    train, test = digits
    assert list(METRIC_NAMES) == IMAGE_METRICS.in_registration_order()
    chosen = evaluate_images(test, "digits", train, classifier=classifier, metrics=["fd", "kid"])
    every = evaluate_images(test, "digits", train, classifier=classifier)
    assert set(chosen) == {"fd", "kid", "num_samples"} and chosen["fd"] == every["fd"]
    with pytest.raises(UnknownNameError) as error:
        evaluate_images(test, "digits", train, classifier=classifier, metrics=["fd", "fid"])
    assert str(error.value) == f"unknown image metric 'fid'; choose one of: {', '.join(sorted(METRIC_NAMES))}"
    with pytest.raises(UnknownNameError, match="choose one of: classifier_score, coverage"):
        real_data_floor("digits", classifier=classifier, metrics=["precison"])
