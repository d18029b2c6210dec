"""PyTorch eager twin of models/resnet.cfg (the tutorial's resnet_cifar10), for comparing
training throughput with `paddlers train` on the same machine, model and batch size.

Same data as paddlers reads (data/cifar-10-batches-py/data_batch_1 minus data/mean.meta),
same layers (conv without bias -> batch norm -> ReLU; basic blocks with a 1x1 conv + BN
projection where the channel count changes; 8x8 average pooling; fc 10 with softmax and
cross-entropy summed over the batch), same optimizer family (SGD, momentum 0.9, L2 decay).

Prints `pytorch_images_per_s=<float>` (wall clock) and `pytorch_images_per_cpu_s=<float>`
(process CPU time, all threads), measured over passes after the first.

    benches/.venv/bin/python benches/resnet_pytorch.py --depth 20 --batch_size 128 --passes 3
"""

import argparse
import pickle
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn(ch_in, ch_out, k, stride, pad, relu=True):
    layers = [nn.Conv2d(ch_in, ch_out, k, stride, pad, bias=False),
              nn.BatchNorm2d(ch_out, eps=1e-5, momentum=0.1)]
    if relu:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    def __init__(self, ch_in, ch_out, stride):
        super().__init__()
        self.a = conv_bn(ch_in, ch_out, 3, stride, 1)
        self.b = conv_bn(ch_out, ch_out, 3, 1, 1, relu=False)
        self.short = (conv_bn(ch_in, ch_out, 1, stride, 0, relu=False)
                      if ch_in != ch_out else nn.Identity())

    def forward(self, x):
        return F.relu(self.b(self.a(x)) + self.short(x))


class ResNetCifar(nn.Module):
    def __init__(self, depth):
        super().__init__()
        assert (depth - 2) % 6 == 0
        n = (depth - 2) // 6
        self.conv1 = conv_bn(3, 16, 3, 1, 1)
        blocks, ch = [], 16
        for features, stride in [(16, 1), (32, 2), (64, 2)]:
            for i in range(n):
                blocks.append(BasicBlock(ch, features, stride if i == 0 else 1))
                ch = features
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.blocks(self.conv1(x))
        x = F.avg_pool2d(x, 8, 1)
        return self.fc(x.flatten(1))


def load_data(root):
    with open(f"{root}/cifar-10-batches-py/data_batch_1", "rb") as f:
        batch = pickle.load(f, encoding="bytes")
    images = np.asarray(batch[b"data"], dtype=np.float32)
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    mean = np.load(f"{root}/mean.meta", allow_pickle=True)
    mean = mean["mean"] if not isinstance(mean, np.ndarray) else mean
    images -= np.asarray(mean, dtype=np.float32).reshape(1, -1)
    return images, labels


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--batch_size", type=int, default=128)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--data", default="data")
    ap.add_argument("--threads", type=int, default=0, help="0: PyTorch's default")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(1)

    images, labels = load_data(args.data)
    model = ResNetCifar(args.depth)
    lr = 0.1 / 128
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=0.0005 * 128)
    model.train()
    times, cpu, counts = [], [], []
    rng = np.random.default_rng(1)
    for p in range(args.passes):
        order = rng.permutation(len(images))
        start, cpu_start, n = time.perf_counter(), time.process_time(), 0
        for i in range(0, len(order), args.batch_size):
            idx = order[i:i + args.batch_size]
            x = torch.from_numpy(images[idx]).view(-1, 3, 32, 32)
            y = torch.from_numpy(labels[idx])
            loss = F.cross_entropy(model(x), y, reduction="sum")
            opt.zero_grad(set_to_none=False)
            loss.backward()
            opt.step()
            n += len(idx)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
        counts.append(n)
    steady = slice(1, None) if args.passes > 1 else slice(0, None)
    rate = sum(counts[steady]) / sum(times[steady])
    cpu_rate = sum(counts[steady]) / sum(cpu[steady])
    print(f"pytorch_images_per_s={rate:.2f}")
    print(f"pytorch_images_per_cpu_s={cpu_rate:.2f}")


if __name__ == "__main__":
    main()
