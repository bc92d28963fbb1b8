"""The end-to-end case as Lightning does it: a LightningModule, the standard DataLoader over the
same data (shuffled, in the host's memory), `Trainer.fit` for 5 epochs with the CSV logger
writing every iteration's loss and accuracy, validation after every epoch with its confusion
matrix, and ModelCheckpoint keeping the last checkpoint and the 2 best by valid loss (Kiln's
retention: the last 2 and the best). The same data, model and optimizer as bench/e2e/torch_job.py.

    python3 bench/e2e/lightning_job.py --data DIR --model mlp|cnn --batch-size 64 --epochs 5 --out DIR
"""

import argparse
import logging
import warnings

from common import load, make_model, phase, write_confusion

import lightning as L  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from lightning.pytorch.callbacks import ModelCheckpoint  # noqa: E402
from lightning.pytorch.loggers import CSVLogger  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
p.add_argument("--batch-size", type=int, default=64)
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--out", required=True)
args = p.parse_args()
warnings.filterwarnings("ignore")
logging.getLogger("lightning").setLevel(logging.ERROR)
phase("imports")


class Job(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = make_model(args.model)
        self.counts = None

    def training_step(self, batch, _):
        x, y = batch
        out = self.net(x)
        loss = F.cross_entropy(out, y)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        self.log("train_acc", 100 * (out.argmax(1) == y).float().mean(), on_step=True, on_epoch=True)
        return loss

    def on_validation_epoch_start(self):
        self.counts = torch.zeros(100, device=self.device, dtype=torch.long)

    def validation_step(self, batch, _):
        x, y = batch
        out = self.net(x)
        self.log("val_loss", F.cross_entropy(out, y), on_epoch=True)
        self.log("val_acc", 100 * (out.argmax(1) == y).float().mean(), on_epoch=True)
        self.counts += torch.bincount(y * 10 + out.argmax(1), minlength=100)

    def on_validation_epoch_end(self):
        if not self.trainer.sanity_checking:
            write_confusion(args.out, self.current_epoch + 1, self.counts.view(10, 10).tolist())

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3, eps=1e-8)


xt, yt, xv, yv = (torch.from_numpy(a) for a in load(args.data))
torch.manual_seed(0)
train = DataLoader(TensorDataset(xt, yt), batch_size=args.batch_size, shuffle=True)
valid = DataLoader(TensorDataset(xv, yv), batch_size=args.batch_size)
trainer = L.Trainer(
    max_epochs=args.epochs,
    accelerator="gpu",
    devices=1,
    logger=CSVLogger(args.out),
    callbacks=[ModelCheckpoint(dirpath=f"{args.out}/checkpoint", monitor="val_loss", save_top_k=2, save_last=True)],
    log_every_n_steps=1,
    enable_progress_bar=False,
    enable_model_summary=False,
)
phase("data loaded, trainer built")
trainer.fit(Job(), train, valid)
phase("done")
