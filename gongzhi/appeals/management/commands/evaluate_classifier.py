"""Score the category suggestion: held-out top-1/top-3 accuracy and 5-fold cross-validation over the training set."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from gongzhi.appeals import classifier


class Command(BaseCommand):
    help = "Report the category classifier's accuracy on data/heldout.tsv (and cross-validated on data/train.tsv)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--misses", action="store_true", help="list the held-out texts whose top-1 is wrong")
        parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation")

    def handle(self, *args: Any, **options: Any) -> None:
        train = classifier.load_examples(classifier.TRAIN_PATH)
        heldout = classifier.load_examples(classifier.HELDOUT_PATH)
        classes = len({e.code for e in train})
        started = time.perf_counter()
        result = classifier.evaluate(train, heldout)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"training examples: {len(train)} over {classes} subcategories (alpha={classifier.ALPHA})")
        self.stdout.write(
            f"held-out: {result.examples} examples  top-1 {result.top1:.1%}  top-3 {result.top3:.1%}  "
            f"(train + score in {elapsed:.2f} s)"
        )
        if not options["no_cv"]:
            top1, top3 = classifier.cross_validate(train)
            self.stdout.write(f"5-fold cross-validation over train: top-1 {top1:.1%}  top-3 {top3:.1%}")
        if options["misses"]:
            for text, expected, predicted in result.misses:
                self.stdout.write(f"  {expected:<28} → {predicted:<28} {text}")
