"""Which language identifier is right on short Swahili, English and Sheng/code-mixed answers?

Compares ``lingua-language-detector`` (restricted to candidate sets) with
``langid`` (when importable; it is not a dependency of the kit) on:
- short real Swahili and English sentences: XNLI hypotheses (sw/en test,
  aligned) and AfriQA questions with their human English translations, read
  from ../shared/realdata (never copied into the repo);
- a small hand-written set of Sheng and Swahili-matrix code-mixed answers
  (expected: Swahili) and English-matrix answers with Swahili words
  (expected: English), in this file.

Run: .venv/bin/python benchmarks/langid_short_text.py   (last line: JSON)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from lingua import Language, LanguageDetectorBuilder

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
N_PER_SOURCE = 400

# Nairobi street Swahili (Sheng) and Swahili-matrix code-switching: a Swahili
# answer written this way is on-language for a Kenyan crowd.
SHENG_OR_MIXED_SW = [
    "Niaje msee, uko poa?",
    "Maze, hii ni noma sana bro",
    "Sasa buda, tuko wapi leo?",
    "Mathree imejaa, tutaenda tao na mguu",
    "Msee alikam late kwa job leo",
    "Hiyo movie ilikuwa fiti sana, wasee wote walienjoy",
    "Nimechoka na hii hustle ya kila siku",
    "Wacha kunibore, nataka kupiga sherehe",
    "Tuonane kesho kwa base, tuchill kiasi",
    "Doh imeisha, sina hata ndururu",
    "Manzi yule ni mrembo sana",
    "Si ungeniambia mapema, ningekuja",
    "Gava imeongeza tax, maisha ni ngumu",
    "Mimi nadhani it's better kama tutaanza mapema.",
    "Kesho nina meeting na boss wangu saa tatu.",
    "Tafadhali nitumie hiyo document kabla ya lunch.",
    "Hii project ni muhimu sana kwa company yetu.",
    "Nilikuwa busy sana weekend nzima.",
    "Phone yangu imeharibika, nitanunua nyingine kesho.",
    "Usijali, tutamaliza assignment hii pamoja.",
]
# English-matrix answers with a Swahili word or two: not a Swahili answer.
MIXED_EN = [
    "I think we should go to the market early, sawa?",
    "The weather today is very nice, asante.",
    "You need to boil the rice for twenty minutes, rafiki.",
    "Nairobi is the capital city of Kenya, and Dodoma is the capital of Tanzania.",
    "Please send me the document before lunch, tafadhali.",
    "My phone is broken so I will buy another one tomorrow.",
    "Hakuna matata means there are no worries in this story.",
    "The farmers plant maize during the long rains.",
]

CANDIDATE_SETS = {
    "sw+en": ["sw", "en"],
    "sw+en+fr+ar": ["sw", "en", "fr", "ar"],
    "sw+en+so+yo+zu+sn": ["sw", "en", "so", "yo", "zu", "sn"],
    "all": None,
}


def _jsonl(path: Path) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def real_sets() -> tuple[list[str], list[str]]:
    """Aligned short Swahili and English texts from realdata (empty when absent)."""
    sw: list[str] = []
    en: list[str] = []
    xnli_sw, xnli_en = REALDATA / "xnli/sw/test.jsonl", REALDATA / "xnli/en/test.jsonl"
    if xnli_sw.exists() and xnli_en.exists():
        sw += [r["hypothesis"] for r in _jsonl(xnli_sw)][::3][:N_PER_SOURCE]
        en += [r["hypothesis"] for r in _jsonl(xnli_en)][::3][:N_PER_SOURCE]
    afriqa = REALDATA / "swahili_instruct/afriqa/queries.afriqa.swa.en.dev.json"
    if afriqa.exists():
        rows = _jsonl(afriqa)[:N_PER_SOURCE]
        sw += [r["question"] for r in rows]
        en += [r["translated_question"] for r in rows]
    return sw, en


def lingua_predictor(codes: list[str] | None):
    from lingua import IsoCode639_1

    if codes is None:
        detector = LanguageDetectorBuilder.from_all_languages().build()
    else:
        langs = [Language.from_iso_code_639_1(IsoCode639_1.from_str(c)) for c in codes]
        detector = LanguageDetectorBuilder.from_languages(*langs).build()

    def predict(text: str) -> str:
        top = detector.compute_language_confidence_values(text)[0]
        return top.language.iso_code_639_1.name.lower() if top.value > 0 else "und"

    return predict


def langid_predictor(codes: list[str] | None):
    try:
        from langid.langid import LanguageIdentifier, model
    except ImportError:
        return None
    ident = LanguageIdentifier.from_modelstring(model, norm_probs=True)
    if codes is not None:
        known = [c for c in codes if c in ident.nb_classes]
        if len(known) != len(codes):
            return None  # langid lacks a candidate (so, yo, sn): not comparable
        ident.set_languages(known)
    return lambda text: ident.classify(text)[0]


def accuracy(predict, texts: list[str], expected: str) -> float:
    return sum(predict(t) == expected for t in texts) / max(1, len(texts))


def main() -> None:
    sw, en = real_sets()
    if not sw:
        print("realdata absent: measuring the hand-written sets only", file=sys.stderr)
    words = sum(len(t.split()) for t in sw) / max(1, len(sw))
    print(
        f"short texts: {len(sw)} sw / {len(en)} en (mean {words:.1f} words); "
        f"sheng/mixed-sw {len(SHENG_OR_MIXED_SW)}, mixed-en {len(MIXED_EN)}"
    )
    print(
        f"{'library':8} {'candidates':20} {'sw':>6} {'en':>6} {'sheng':>6} {'mix-en':>6} {'ms/text':>8}"
    )
    results = {}
    for lib, factory in (("lingua", lingua_predictor), ("langid", langid_predictor)):
        for name, codes in CANDIDATE_SETS.items():
            predict = factory(codes)
            if predict is None:
                continue
            start = time.perf_counter()
            row = {
                "sw": accuracy(predict, sw, "sw"),
                "en": accuracy(predict, en, "en"),
                "sheng_mixed_sw": accuracy(predict, SHENG_OR_MIXED_SW, "sw"),
                "mixed_en": accuracy(predict, MIXED_EN, "en"),
            }
            n = len(sw) + len(en) + len(SHENG_OR_MIXED_SW) + len(MIXED_EN)
            row["ms_per_text"] = 1000 * (time.perf_counter() - start) / n
            results[f"{lib}:{name}"] = row
            print(
                f"{lib:8} {name:20} {row['sw']:6.3f} {row['en']:6.3f} "
                f"{row['sheng_mixed_sw']:6.3f} {row['mixed_en']:6.3f} {row['ms_per_text']:8.2f}"
            )
    print(json.dumps({"n_sw": len(sw), "n_en": len(en), "results": results}))


if __name__ == "__main__":
    main()
