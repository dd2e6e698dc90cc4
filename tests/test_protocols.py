"""gan_lib.protocols: what the trainer needs from networks and data. gan_lib's own satisfy it, and a
reader's own batch stream, written from the protocol alone, trains and resumes."""
import torch

from gan_lib import Trainer, TrainConfig
from gan_lib.data import Batch
from gan_lib.protocols import BatchStream, DiscriminatorNetwork, GeneratorNetwork


def test_gan_libs_own_networks_and_streams_satisfy_the_protocols():
    for dataset in ("ring", "digits", "sines", "bimodal-1d"):
        trainer = Trainer.from_config(TrainConfig(dataset=dataset, steps=1, batch_size=16, device="cpu", progress=False))
        assert isinstance(trainer.generator, GeneratorNetwork)
        assert isinstance(trainer.discriminator, DiscriminatorNetwork)
        assert isinstance(trainer.batches, BatchStream)
    assert not isinstance(object(), BatchStream)  # the check can fail


class LineStream:
    """Points on the line y = x, as a reader might write a stream of their own data: nothing from gan_lib."""

    sample_shape = (2,)

    def __init__(self, batch_size: int, seed: int):
        self.batch_size, self.rng = batch_size, torch.Generator().manual_seed(seed)

    def next_batch(self) -> Batch:
        t = torch.rand(self.batch_size, 1, generator=self.rng) * 2 - 1
        return Batch(torch.cat([t, t], dim=1), None)

    def state_dict(self) -> dict:
        return {"rng": self.rng.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.rng.set_state(state["rng"])


def test_a_readers_own_stream_trains_and_resumes_exactly():
    def trainer():
        reference = Trainer.from_config(TrainConfig(dataset="gaussian", steps=40, batch_size=64, device="cpu",
                                                    progress=False, log_every=5))
        return Trainer(reference.config, reference.generator, reference.discriminator, LineStream(64, seed=1))

    assert isinstance(LineStream(4, 0), BatchStream)
    straight = trainer()
    straight.fit()
    first = trainer()
    first.train(20)
    state = {key: value for key, value in first.state_dict().items()}
    resumed = trainer()
    resumed.load_state_dict(state)
    resumed.fit()
    assert all(torch.equal(a, b) for a, b in zip(straight.generator.parameters(), resumed.generator.parameters()))
    assert torch.isfinite(straight.sample(8)).all()
