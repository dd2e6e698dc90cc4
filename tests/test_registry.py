import pytest

from gan_lib import Registry, UnknownNameError


def test_registry_registers_and_lists_names():
    things = Registry("thing")

    @things.register("b")
    def b():
        return 2

    things.register("a")(lambda: 1)
    assert things.names() == ["a", "b"] and things.get("b")() == 2 and "a" in things
    with pytest.raises(UnknownNameError, match="unknown thing 'c'; choose one of: a, b"):
        things.get("c")
    with pytest.raises(ValueError, match="registered twice"):
        things.register("a")(lambda: 3)


def test_import_does_no_work():
    import subprocess
    import sys

    code = ("import sys, gan_lib; "
            "assert 'torchvision' not in sys.modules and 'matplotlib' not in sys.modules and 'sklearn' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
