"""The import direction of gan_lib as a test: every module has a layer, and imports only from its own
layer or the ones below (STYLE.md: data -> models -> losses/penalties -> train -> metrics -> viz ->
widgets, the CLI on top). A new module must be given a layer here, or this test fails."""
from tests.test_import_cycles import import_graph

LAYERS = (  # lowest first
    ("foundations", ("_moved", "errors", "registry", "atomic", "validation", "field_comments", "device", "modes", "history")),
    ("data", ("data", "data.batches", "data.datasets", "data.images", "data.signals", "data.toy", "data.toy1d")),
    ("models", ("models", "models.checks", "models.conv1d", "models.conv_classifier", "models.dcgan", "models.factory", "models.init",
                "models.mlp", "models.pix2pix", "models.summary")),
    ("objectives", ("losses", "penalties", "optim")),
    ("training", ("train", "protocols", "recipes", "checkpoint", "distributed", "distributed.process_group",
                  "distributed.sharding", "distributed.trainer")),
    ("measuring", ("metrics", "metrics.classifier", "metrics.distances", "metrics.feature_metrics", "metrics.images",
                   "metrics.manifold", "metrics.spectra", "metrics.toy", "theory")),
    ("applications", ("applications", "applications.vae", "applications.image_to_image",
                      "applications.semi_supervised", "applications.cyclegan")),
    ("figures and the book", ("viz", "results", "book", "book.claims", "book.tables", "book.sweep", "book.exercises",
                              "book.probes")),
    ("widgets", ("widgets", "widgets.figures", "widgets.image_playground", "widgets.knob_grid", "widgets.latent",
                 "widgets.playground", "widgets.session", "widgets.settings", "widgets.snapshots",
                 "widgets.toy_playground")),
    ("entry points", ("cli", "__main__", "")),  # "": the package itself (gan_lib/__init__.py)
)
LAYER = {("gan_lib." + name).rstrip("."): index for index, (_, names) in enumerate(LAYERS) for name in names}


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import from a module to one in a higher layer, as 'a (layer) imports b (layer)'."""
    return [f"{module} ({LAYERS[LAYER[module]][0]}) imports {target} ({LAYERS[LAYER[target]][0]})"
            for module, targets in sorted(graph.items()) for target in sorted(targets) if LAYER[target] > LAYER[module]]


def test_every_module_has_exactly_one_layer():
    graph = import_graph()
    assert sorted(set(graph) - set(LAYER)) == [], "give these modules a layer in tests/test_layers.py"
    assert sorted(set(LAYER) - set(graph)) == [], "these modules in tests/test_layers.py no longer exist"
    assert len(LAYER) == sum(len(names) for _, names in LAYERS)  # no module listed twice


def test_imports_go_down_the_layers_only():
    assert upward_imports(import_graph()) == []


def test_an_upward_import_is_reported():
    graph = {"gan_lib.data": {"gan_lib.train"}, "gan_lib.train": {"gan_lib.data"}}
    assert upward_imports(graph) == ["gan_lib.data (data) imports gan_lib.train (training)"]
