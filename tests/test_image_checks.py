"""Every function that takes a batch of images refuses a bad one with the same words (gan_lib.data.check_images)."""
import pytest
import torch

from gan_lib.applications.cyclegan import CycleGANConfig, train_cyclegan
from gan_lib.data import ImageBatches, check_images
from gan_lib.applications.image_to_image import ImageToImageConfig, enlarge_bicubic, shrink, train_image_to_image
from gan_lib.metrics import evaluate_images
from gan_lib.applications.semi_supervised import SemiSupervisedConfig, train_semi_supervised, train_supervised

GOOD = torch.zeros(40, 1, 8, 8)
LABELS = torch.zeros(40, dtype=torch.long)
ENTRY_POINTS = {  # what is called -> (the argument that gets the images, a call that passes them there)
    "ImageBatches": ("images", lambda images: ImageBatches(images, None, 2, torch.device("cpu"))),
    "train_supervised": ("images", lambda images: train_supervised(SemiSupervisedConfig(steps=1), images, LABELS)),
    "train_semi_supervised": ("unlabelled", lambda images: train_semi_supervised(SemiSupervisedConfig(steps=1), GOOD,
                                                                                 LABELS, images)),
    "train_image_to_image": ("clean_images", lambda images: train_image_to_image(ImageToImageConfig(steps=1), images)),
    "train_cyclegan": ("domain_b", lambda images: train_cyclegan(CycleGANConfig(steps=1, batch_size=4), GOOD, images)),
    "evaluate_images": ("fake_images", lambda images: evaluate_images(images, "digits")),
    "shrink": ("images", shrink),
    "enlarge_bicubic": ("images", enlarge_bicubic),
}


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
@pytest.mark.parametrize("images,got", [(torch.zeros(40, 8, 8), r"\(40, 8, 8\) torch.float32"),
                                        (torch.zeros(40, 1, 8, 8, dtype=torch.uint8), r"\(40, 1, 8, 8\) torch.uint8"),
                                        ([[0.0]], "list")])
def test_every_function_that_takes_images_refuses_bad_ones_in_the_same_words(entry_point, images, got):
    argument, call = ENTRY_POINTS[entry_point]
    expected = (rf"^{argument} must be floats in \[-1, 1\] of shape \(N, C, H, W\), got {got}; "
                r"convert uint8 data with ImageSet.to_unit_range\(\)$")
    with pytest.raises(ValueError, match=expected):
        call(images)


def test_the_range_is_checked_where_asked_for():
    assert check_images(GOOD * 3) is not None  # training takes any float images
    with pytest.raises(ValueError, match=r"^fake_images must lie in \[-1, 1\], found values in \[0, 3\]"):
        check_images(GOOD + torch.arange(40.0)[:, None, None, None] % 4, "fake_images", in_unit_range=True)
