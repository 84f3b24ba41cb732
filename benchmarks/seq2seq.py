"""Print lesson 08's experiment figures: the date-translation models with and without attention (exact match
overall and against input length: the fixed-context bottleneck), greedy against beam search, and the
teacher-forcing ratios; with --retrain, the seconds that training takes on this machine.

    ./course python benchmarks/seq2seq.py [--retrain]

The models are the committed ones (utils/trained/seq2seq_*.pt, made by `python -m utils.checkpoints 08`);
every figure is measured again here, not read from the checkpoint (except the recorded training seconds).
One torch thread, as in the lesson.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from utils.lesson08_attention import dates, pretrained, training  # noqa: E402
from utils.lesson08_attention.grader.reference import Seq2Seq, beam_search, greedy_decode  # noqa: E402


def table_rows(beam_examples: int = 100) -> list[str]:
    torch.set_num_threads(1)
    rows = []
    test = dates.test_set()
    settings = pretrained.settings()
    measured = {}
    for kind in pretrained.KINDS:
        model = pretrained.load_model(kind, Seq2Seq)
        start = time.perf_counter()
        measured[kind] = pretrained.evaluate(model, greedy_decode, test)
        seconds = time.perf_counter() - start
        recorded = pretrained.results()[kind]
        rows.append(f"| dates to ISO 8601, GRU encoder-decoder {kind.replace('_', ' ')} (H={settings['hidden_size']}, "
                    f"{recorded['parameters']} parameters, {settings['steps']} steps of {settings['batch_size']}): "
                    f"held-out exact match, character accuracy; training time recorded; greedy decoding of "
                    f"{len(test)} examples | {measured[kind]['exact_match']:.1%}, "
                    f"{measured[kind]['char_accuracy']:.1%}; {recorded['seconds']:.0f} s; {seconds:.2f} s | |")
        print(rows[-1], flush=True)
    bins = measured["no_attention"]["by_length"]
    cells = [f"{start}-{end}: {bins['accuracy'][i]:.0%} / {measured['attention']['by_length']['accuracy'][i]:.0%}"
             f" (n={bins['count'][i]})" for i, (start, end) in enumerate(zip(bins["start"], bins["end"], strict=True))]
    rows.append("| exact match by input length (characters), without / with attention | " + "; ".join(cells) + " | |")
    print(rows[-1], flush=True)

    longest = test.subset([i for i in range(len(test)) if test.formats[i] != "interval" and test.lengths[i] >= 30]
                          [:beam_examples])
    model = pretrained.load_model("no_attention", Seq2Seq)
    for width in (1, 3, 5):
        start = time.perf_counter()
        found = training.predict(model, longest, lambda m, s, l, n, w=width: beam_search(m, s, l, w, n)[0])
        rows.append(f"| no attention, {len(longest)} held-out single dates of 30+ characters, beam width {width} | exact match "
                    f"{training.exact_match(found, longest.targets).mean():.1%} in {time.perf_counter() - start:.1f} s"
                    " | |")
        print(rows[-1], flush=True)

    tf_settings = pretrained.settings("teacher_forcing")
    tf_test = dates.test_set(interval_share=tf_settings["interval_share"])
    for ratio in pretrained.RATIOS:
        model = pretrained.load_ratio_model(ratio, Seq2Seq)
        result = pretrained.evaluate(model, greedy_decode, tf_test)
        forced = pretrained.teacher_forced_accuracy(model, tf_test)
        recorded = pretrained.results("teacher_forcing")[f"{ratio:.2f}"]
        rows.append(f"| teacher-forcing ratio {ratio:.2f} (H={tf_settings['hidden_size']}, {tf_settings['steps']} steps, "
                    f"single dates): exact match free running; token accuracy teacher forced; training time "
                    f"recorded | {result['exact_match']:.1%}; {forced:.1%}; {recorded['seconds']:.0f} s | |")
        print(rows[-1], flush=True)
    return rows


def retrain_seconds() -> None:
    """Time 100 training steps of each date model on this machine (the full schedule scales linearly)."""
    torch.set_num_threads(1)
    settings = pretrained.settings()
    for kind in pretrained.KINDS:
        model = pretrained.build(Seq2Seq, kind, settings)
        run = training.train(model, steps=100, batch_size=settings["batch_size"], lr=settings["lr"], eval_size=50,
                             decode=greedy_decode)
        print(f"| {kind}: 100 training steps of {settings['batch_size']} | {run.seconds:.1f} s "
              f"({10 * run.seconds:.0f} ms per step) | |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrain", action="store_true", help="also time 100 training steps of each model")
    parser.add_argument("--beam-examples", type=int, default=100)
    args = parser.parse_args()
    table_rows(args.beam_examples)
    if args.retrain:
        retrain_seconds()


if __name__ == "__main__":
    main()
