"""DDP training on the CPU: gloo, 2 processes (gan_lib.distributed).

The workers below run in processes started by `spawn_local` (tests/distributed_launcher.py, which
sets the environment torchrun sets) or by torchrun itself; every launch has a timeout, so a broken
process group fails the test instead of hanging it. Nothing here asserts wall-clock times: on a
loaded machine those say more about the load than about the code.
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist

from gan_lib import TrainConfig, Trainer, resume, save_checkpoint
from gan_lib.cli import main
from gan_lib.data import ImageBatches, ToyBatches, ring
from gan_lib.distributed import DistributedError, DistributedTrainer, ShardedBatches, rank_noise_seed

from .distributed_launcher import spawn_local

REPO = Path(__file__).resolve().parents[1]


def toy_config(**overrides) -> TrainConfig:
    # Toy MLPs (no batch norm), R1: its double backward runs through the DDP-wrapped D.
    values = dict(dataset="ring", penalty="r1", steps=4, batch_size=16, width=16, depth=2, lr_g=1e-3, lr_d=1e-3,
                  seed=5, device="cpu", progress=False, log_every=1)
    return TrainConfig(**{**values, **overrides})


def flat_parameters(trainer) -> np.ndarray:
    modules = (trainer.generator, trainer.discriminator)
    return torch.cat([p.detach().flatten() for m in modules for p in m.parameters()]).numpy()


# --- sharding and seeds (one process) -------------------------------------------------------------

def test_shards_are_disjoint_slices_of_the_global_batch():
    shards = [ShardedBatches(ToyBatches(ring(), 8, "cpu", seed=3), rank, 2) for rank in range(2)]
    whole = ToyBatches(ring(), 8, "cpu", seed=3)
    for _ in range(2):
        parts = [shard.next_batch().x for shard in shards]
        assert [tuple(p.shape) for p in parts] == [(4, 2), (4, 2)]
        assert torch.equal(torch.cat(parts), whole.next_batch().x)

    images, labels = torch.rand(10, 1, 4, 4) * 2 - 1, torch.arange(10)
    image_shards = [ShardedBatches(ImageBatches(images, labels, 4, "cpu", seed=1), rank, 2) for rank in range(2)]
    seen = [image_shards[rank].next_batch() for _ in range(2) for rank in range(2)]  # 2 batches: 8 of 10 images
    drawn = torch.cat([b.y for b in seen]).tolist()
    assert len(set(drawn)) == len(drawn) == 8  # no image on two ranks
    for batch in seen:
        assert torch.equal(batch.x, images[batch.y])  # labels still travel with their images

    # Rank 0's stream state, the one its checkpoint holds, continues the data order on one process.
    single = ShardedBatches(ImageBatches(images, labels, 4, "cpu", seed=1), 0, 1)
    single.load_state_dict(image_shards[0].state_dict())
    assert torch.equal(single.next_batch().y, torch.cat([image_shards[r].next_batch().y for r in range(2)]))


def test_uneven_split_and_missing_process_group_are_refused():
    with pytest.raises(ValueError, match="choose a multiple of 3"):
        ShardedBatches(ToyBatches(ring(), 10, "cpu"), 0, 3)
    with pytest.raises(DistributedError, match="init_distributed"):
        DistributedTrainer.from_config(toy_config())


def test_noise_seeds_are_reproducible_and_distinct_per_rank_and_step():
    seeds = {rank_noise_seed(7, rank, step) for rank in range(4) for step in range(50)}
    assert len(seeds) == 200 and all(0 <= s < 2**64 for s in seeds)
    assert rank_noise_seed(7, 1, 3) == rank_noise_seed(7, 1, 3) != rank_noise_seed(8, 1, 3)


# --- two ranks ------------------------------------------------------------------------------------

class OneProcessForTwoRanks(Trainer):
    """One process that does what 2 ranks do together: the whole global batch, and each rank's noise."""

    def train_step(self):
        self.rank_rngs = [torch.Generator().manual_seed(rank_noise_seed(self.config.seed, r, self.step)) for r in (0, 1)]
        super().train_step()

    def noise(self, n, rng=None):
        if rng is not None:
            return super().noise(n, rng)
        return torch.cat([super(OneProcessForTwoRanks, self).noise(n // 2, g)[0] for g in self.rank_rngs]), None


def _train_two_ranks(checkpoint: str) -> dict:
    trainer = DistributedTrainer.from_config(toy_config())
    trainer.train(2)
    if dist.get_rank() == 0:
        save_checkpoint(trainer, checkpoint)
    dist.barrier()
    trainer.fit()
    resumed = resume(checkpoint, trainer_class=DistributedTrainer)
    resumed.fit()
    # DCGAN with batch norm in G and WGAN-GP: the penalty's double backward through a conv D.
    images = DistributedTrainer.from_config(TrainConfig(dataset="digits", penalty="wgan-gp", steps=2, batch_size=8,
                                                        width=4, device="cpu", progress=False))
    images.fit()
    return {"params": flat_parameters(trainer), "resumed": flat_parameters(resumed),
            "history": trainer.history.to_dict(), "digits": flat_parameters(images)}


def test_two_ranks_agree_match_one_process_on_the_global_batch_and_resume_exactly(tmp_path):
    ranks = spawn_local(_train_two_ranks, 2, args=(str(tmp_path / "ckpt.pt"),), timeout_s=180)
    assert np.array_equal(ranks[0]["params"], ranks[1]["params"])  # DDP kept the replicas identical
    assert np.array_equal(ranks[0]["digits"], ranks[1]["digits"])
    for rank in ranks:  # steps 3-4 after resuming from step 2 repeat the uninterrupted run bit for bit
        assert np.array_equal(rank["resumed"], rank["params"])

    start = OneProcessForTwoRanks.from_config(toy_config())
    initial = flat_parameters(start)
    start.fit()
    single = flat_parameters(start)
    assert np.abs(single - initial).max() > 1e-3  # training moved the weights far beyond the tolerance below
    np.testing.assert_allclose(ranks[0]["params"], single, atol=1e-5, rtol=0)
    for name in ("d_loss", "g_loss", "penalty", "d_grad_norm"):  # logged values: global-batch means
        np.testing.assert_allclose(ranks[0]["history"][name], start.history[name], rtol=1e-4, atol=1e-6)


def _train_with_the_cli(argv: list, log: str) -> int:
    import gan_lib.checkpoint

    original = gan_lib.checkpoint.save_checkpoint

    def logged_save(trainer, path):
        with open(log, "a") as file:
            file.write(f"{dist.get_rank()} {trainer.step}\n")
        return original(trainer, path)

    gan_lib.checkpoint.save_checkpoint = logged_save
    return main(argv)


def test_only_rank_0_writes_and_a_single_process_resumes_its_checkpoint(tmp_path, capsys):
    out, log = tmp_path / "run", tmp_path / "saves.txt"
    common = ["--dataset", "ring", "--batch-size", "16", "--width", "8", "--device", "cpu", "--out", str(out),
              "--no-progress"]
    codes = spawn_local(_train_with_the_cli, 2, args=(["train", "--steps", "4", "--checkpoint-every", "2", *common],
                                                      str(log)), timeout_s=180)
    assert codes == [0, 0]
    assert log.read_text().split("\n") == ["0 2", "0 4", ""]  # every 2 steps (step 4 is the end: once), rank 0 only
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.pt", "history.json", "samples.png"]
    assert main(["train", "--steps", "6", "--resume", *common]) == 0  # 2 processes -> 1
    assert "at step 4" in capsys.readouterr().out
    assert json.loads((out / "history.json").read_text())["step"][-1] == 6


def test_torchrun_trains_and_rank_0_alone_reports(tmp_path):
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", "gan_lib", "train", "--dataset", "digits", "--penalty", "wgan-gp", "--steps", "2",
               "--batch-size", "8", "--width", "4", "--device", "cpu", "--out", str(tmp_path), "--no-progress",
               "--dist-timeout", "60"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("trained 2 steps on 2 processes (global batch 8)") == 1
    assert done.stderr.count("batch norm on the CPU normalises each process's shard") == 1  # rank 0's warning only
    assert json.loads((tmp_path / "history.json").read_text())["step"][-1] == 2


def _fail_on_rank_1(how: str) -> None:
    def fail(trainer):
        if trainer.rank == 1 and trainer.step == 2:
            if how == "crash":
                raise RuntimeError("simulated crash on rank 1")
            time.sleep(600)  # a hung rank: only the timeout stops rank 0

    DistributedTrainer.from_config(toy_config(steps=6)).fit(callbacks=[fail])


@pytest.mark.parametrize("how", ["crash", "hang"])
def test_a_failed_rank_stops_the_run_with_a_clear_error(how):
    # Rank 1 stops at step 3 for good; rank 0 must stop at its own next exchange, step 3, with an error
    # (within the collective timeout), not hang until the launcher's deadline.
    with pytest.raises(DistributedError) as failure:
        spawn_local(_fail_on_rank_1, 2, args=(how,), timeout_s=600, collective_timeout_s=3)
    message = str(failure.value)
    assert "rank 0: failed: gan_lib.distributed.DistributedError: rank 0 of 2 stopped at step 3" in message
    assert ("rank 1: failed: RuntimeError: simulated crash on rank 1" if how == "crash"
            else "rank 1: still running after") in message
