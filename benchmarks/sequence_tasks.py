"""Print lesson 06's experiment figures: a surname's language (12 classes, sequence-to-vector) against a majority
and a bag-of-characters baseline, and word starts in text without spaces (aligned sequence-to-sequence),
one-directional against bidirectional; held-out scores, parameters and training seconds.

    ./course python benchmarks/sequence_tasks.py             the committed checkpoint's models, re-scored
    ./course python benchmarks/sequence_tasks.py --retrain   train all four models again first (about 2 minutes)

One torch thread, as in the lesson; embedding 16, GRU of 64 units per direction, Adam lr 0.003, batches of 64;
1500 steps for the classifiers, 600 for the taggers (utils.lesson06_classification_and_labeling.pretrained).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from utils.lesson06_classification_and_labeling import pretrained, tasks, training  # noqa: E402
from utils.lesson06_classification_and_labeling.grader.reference import BiRNN  # noqa: E402


def table_rows(retrain: bool = False) -> list[str]:
    torch.set_num_threads(1)
    if retrain:  # this process loads the new models from now on; the committed file is left as it is
        pretrained.CHECKPOINT.retrain()
    results = pretrained.results()
    test = tasks.surname_tensors("test")
    windows = tasks.boundary_windows("test")
    rows = [f"| surname -> language (12 classes, 1060 test names): majority class | accuracy "
            f"{results['majority']['test_accuracy']:.3f} | |",
            f"| surname -> language: bag of characters, logistic regression | accuracy "
            f"{results['bag_of_characters']['test_accuracy']:.3f} | |"]
    for bi in (False, True):
        key = "bi" if bi else "uni"
        name = "bidirectional" if bi else "one-directional"
        classifier = pretrained.load_classifier(bi, BiRNN)
        tagger = pretrained.load_tagger(bi)
        accuracy = training.classifier_accuracy(classifier, *test)
        record = results[f"classifier_{key}"]
        rows.append(f"| surname -> language: GRU(64) {name} ({record['parameters']} parameters, "
                    f"{record['steps']} steps) | accuracy {accuracy:.3f}, trained in {record['seconds']:.1f} s | |")
        scores = training.boundary_scores(tagger, *windows)
        record = results[f"tagger_{key}"]
        rows.append(f"| word starts in text without spaces: GRU(64) {name} ({record['parameters']} parameters, "
                    f"{record['steps']} steps) | F1 {scores['f1']:.3f} (precision {scores['precision']:.3f}, recall "
                    f"{scores['recall']:.3f}), trained in {record['seconds']:.1f} s | bidirectional > one-directional |")
    for row in rows:
        print(row, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrain", action="store_true", help="train the four models again instead of loading them")
    table_rows(parser.parse_args().retrain)


if __name__ == "__main__":
    main()
