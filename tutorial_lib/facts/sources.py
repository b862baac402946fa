"""The sourced facts: every number the notebooks and slides state about the world.

Each entry was read at ``source_url`` on ``retrieved`` and states only what that page
says. Pages that mirror a paper or model card (a README copied from the Hub, a paper's
abstract on an index site) are named as read, with the original in ``claim``.
Nothing here is computed; numbers about the kit itself come from presets and runs.

Add a fact only after reading its source; a wrong number in front of a hall is worse
than none. ``tests/test_facts_registry.py`` checks every entry has a source and a date.
"""

from __future__ import annotations

RETRIEVED = "2026-11-30"

_WEF = (
    "https://www.wionews.com/world/world-economic-forum-wef-report-78-million-new-jobs-added-"
    "by-2030-led-by-ai-big-data-and-cybersecurity-8602988"
)
_WEF_SKILLS = "https://news.outsourceaccelerator.com/ai-tech-global-job-market-wef/"
_AI_INDEX = (
    "https://noah.makes.news/gb/en/technology/2025/04/10/ai-index-report-2025-highlights-"
    "explosive-growth-and-regulatory-challenges-in-artificial-intelligence"
)
_AI_INDEX_MODELS = (
    "https://blog.radlak.com/auto-content/2025/05/09/"
    "stanford-hais-2025-ai-index-report-key-trends-and-insights"
)
_GPT3 = (
    "https://github.com/openai/gpt-3/blob/cf8c236919d8dae322be5535410853f20b0b4c7a/"
    "dataset_statistics/languages_by_word_count.csv"
)
_CC = (
    "https://github.com/commoncrawl/cc-crawl-statistics/blob/"
    "011ff43f50c8c744ff891f027fec7a44677b2545/plots/languages-top-200.html"
)
_ROOTS = (
    "https://arxivlens.com/PaperView/Details/the-bigscience-roots-corpus-a-1.6tb-"
    "composite-multilingual-dataset-8027-1554403"
)
_XLMR = "https://www.scholarfeed.org/paper/1911.02116v2"
_MT5 = "https://huggingface.co/transformers/v4.3.0/model_doc/mt5.html"
_MT5_WIKI = "https://aiwiki.ai/wiki/mt5/raw"
_AYA_DATA = (
    "https://underline.io/lecture/102359-aya-dataset-an-open-access-collection-"
    "for-multilingual-instruction-tuning"
)
_AYA_MODEL = "https://www.scholarfeed.org/paper/2402.07827v1"
_SW_WIKI = "https://worddisk.com/wiki/Swahili_language/"
_SW_WIKI_TOTAL = "https://wiki.niidae.com/index.php?action=edit&section=7&title=Swahili_language"
_PETROV = "https://intelligent-earth.ox.ac.uk/node/4027061"
_AHIA = "https://www.centerconsulting.com/ai-library/concepts/multilingual-tokenization-cost"
_HARA = (
    "https://arxivlens.com/PaperView/Details/a-data-driven-analysis-of-workers-earnings-"
    "on-amazon-mechanical-turk-1811-2433418"
)
_MT0_XXL_MT = "https://huggingface.co/bigscience/mt0-xxl-mt"
_MT0_LARGE = "https://huggingface.co/bigscience/mt0-large"
_BLOOMZ = "https://huggingface.co/bigscience/bloomz"
_BLOOMZ_3B = "https://huggingface.co/bigscience/bloomz-3b"


def _f(id, category, claim, value, unit, source_url, retrieved=RETRIEVED):
    return {
        "id": id,
        "category": category,
        "claim": claim,
        "value": value,
        "unit": unit,
        "source_url": source_url,
        "retrieved": retrieved,
    }


def _bench(id, model, task, value, source_url, params):
    task_names = {"xcopa": "XCOPA", "xnli": "XNLI", "xstorycloze": "XStoryCloze"}
    claim = (
        f"{model} ({params}) scores {value}% accuracy on {task_names[task]} in Swahili "
        "(validation split), as listed in the model card's evaluation results"
    )
    fact = _f(id, "benchmarks", claim, value, "%", source_url)
    fact.update(model=model, task=task, params=params)
    return fact


FACTS: list[dict] = [
    # ---------------------------------------------------------------- LLM trends and jobs
    _f(
        "wef_jobs_created_2030",
        "trends",
        "The WEF Future of Jobs Report 2025 projects 170 million new jobs created worldwide "
        "by 2030",
        170,
        "million jobs",
        _WEF,
    ),
    _f(
        "wef_jobs_displaced_2030",
        "trends",
        "The same report projects 92 million jobs displaced by 2030",
        92,
        "million jobs",
        _WEF,
    ),
    _f(
        "wef_net_jobs_2030",
        "trends",
        "Net effect by 2030 in the WEF Future of Jobs Report 2025: 78 million more jobs",
        78,
        "million jobs",
        _WEF,
    ),
    _f(
        "wef_skills_gap_share",
        "trends",
        "63% of employers in the WEF survey (over 1,000 companies, 55 economies) name the "
        "skills gap as the main barrier to business transformation",
        63,
        "%",
        _WEF_SKILLS,
    ),
    _f(
        "wef_core_skills_change",
        "trends",
        "Employers expect 39% of workers' core skills to change by 2030 (WEF 2025)",
        39,
        "%",
        _WEF_SKILLS,
    ),
    _f(
        "aiindex_org_adoption_2024",
        "trends",
        "Stanford AI Index 2025: 78% of organisations reported using AI in 2024, up from 55% "
        "the year before",
        78,
        "%",
        _AI_INDEX,
    ),
    _f(
        "aiindex_us_private_investment_2024",
        "trends",
        "Stanford AI Index 2025: U.S. private investment in AI reached $109.1 billion in 2024",
        109.1,
        "billion USD",
        _AI_INDEX,
    ),
    _f(
        "aiindex_inference_cost_drop",
        "trends",
        "Stanford AI Index 2025: inference costs for advanced models dropped by over 280-fold "
        "in two years",
        280,
        "x",
        _AI_INDEX,
    ),
    _f(
        "aiindex_notable_models_us_2024",
        "trends",
        "Stanford AI Index 2025: the U.S. produced 40 notable AI models in 2024 (China 15)",
        40,
        "models",
        _AI_INDEX_MODELS,
    ),
    # ---------------------------------------------------- language representation in data
    _f(
        "gpt3_en_word_share",
        "representation",
        "English is 92.64708% of the words in GPT-3's training data (OpenAI's published "
        "per-language word counts)",
        92.64708,
        "% of words",
        _GPT3,
    ),
    _f(
        "gpt3_sw_word_share",
        "representation",
        "Swahili is 0.00030% of the words in GPT-3's training data (585,858 words)",
        0.0003,
        "% of words",
        _GPT3,
    ),
    _f(
        "cc_eng_page_share_2024_42",
        "representation",
        "English is the primary language of 43.4241% of HTML pages in Common Crawl's "
        "CC-MAIN-2024-42 crawl (CLD2 language ID)",
        43.4241,
        "% of pages",
        _CC,
    ),
    _f(
        "cc_swa_page_share_2024_42",
        "representation",
        "Swahili is the primary language of 0.0096% of HTML pages in CC-MAIN-2024-42",
        0.0096,
        "% of pages",
        _CC,
    ),
    _f(
        "cc_deu_page_share_2024_42",
        "representation",
        "German is the primary language of 5.3038% of HTML pages in CC-MAIN-2024-42",
        5.3038,
        "% of pages",
        _CC,
    ),
    _f(
        "cc_hin_page_share_2024_42",
        "representation",
        "Hindi is the primary language of 0.2089% of HTML pages in CC-MAIN-2024-42",
        0.2089,
        "% of pages",
        _CC,
    ),
    _f(
        "cc_yor_page_share_2024_42",
        "representation",
        "Yoruba is the primary language of 0.0010% of HTML pages in CC-MAIN-2024-42",
        0.001,
        "% of pages",
        _CC,
    ),
    _f(
        "roots_size",
        "representation",
        "ROOTS, the corpus BLOOM (176B parameters) was trained on, is 1.6 TB spanning 59 "
        "languages (Laurençon et al. 2022)",
        1.6,
        "TB",
        _ROOTS,
    ),
    _f(
        "cc100_size",
        "representation",
        "XLM-R was trained on more than two terabytes of filtered Common Crawl data (CC-100) "
        "in 100 languages (Conneau et al. 2020)",
        2,
        "TB (more than)",
        _XLMR,
    ),
    _f(
        "mt5_languages",
        "representation",
        "mT5 was pre-trained on a Common Crawl-based dataset (mC4) covering 101 languages "
        "(Xue et al. 2021)",
        101,
        "languages",
        _MT5,
    ),
    _f(
        "aya_dataset_languages",
        "representation",
        "The Aya Dataset is human-curated instruction data in 65 languages, written with "
        "fluent speakers (Singh et al. 2024)",
        65,
        "languages",
        _AYA_DATA,
    ),
    _f(
        "aya_collection_instances",
        "representation",
        "The Aya Collection has 513 million instances across 114 languages, made by "
        "templating and augmenting existing datasets",
        513,
        "million instances",
        _AYA_DATA,
    ),
    _f(
        "aya_countries",
        "representation",
        "The Aya initiative involved collaborators from 119 countries",
        119,
        "countries",
        _AYA_DATA,
    ),
    # ---------------------------------------------------------------------------- Swahili
    _f(
        "sw_l1_speakers_high",
        "swahili",
        "Estimates of native Swahili speakers range from 2 million (2003) to 18 million "
        "(2012) (Wikipedia, Swahili language)",
        18,
        "million (upper estimate)",
        _SW_WIKI,
    ),
    _f(
        "sw_l2_speakers",
        "swahili",
        "Swahili has about 90 million second-language speakers (1991-2015 estimates; Wikipedia)",
        90,
        "million",
        _SW_WIKI,
    ),
    _f(
        "sw_total_speakers_low",
        "swahili",
        "Estimates of first- plus second-language Swahili speakers generally range from 60 "
        "million to 150 million (Wikipedia)",
        60,
        "million (lower bound)",
        _SW_WIKI_TOTAL,
    ),
    _f(
        "sw_total_speakers_high",
        "swahili",
        "Estimates of first- plus second-language Swahili speakers generally range up to 150 "
        "million (Wikipedia)",
        150,
        "million (upper bound)",
        _SW_WIKI_TOTAL,
    ),
    _f(
        "sw_official_countries",
        "swahili",
        "Swahili is an official language in 4 countries (Wikipedia infobox)",
        4,
        "countries",
        _SW_WIKI,
    ),
    _f(
        "xlmr_sw_xnli_gain",
        "swahili",
        "XLM-R (trained on CC-100) performs particularly well on low-resource languages, "
        "improving XNLI accuracy for Swahili by 15.7% over previous XLM models",
        15.7,
        "%",
        _XLMR,
    ),
    # ------------------------------------------------------------------ tokenizer premium
    _f(
        "petrov_max_length_ratio",
        "tokenizer",
        "The same text translated into different languages can differ up to 15 times in "
        "tokenized length (Petrov et al. 2023)",
        15,
        "x",
        _PETROV,
    ),
    _f(
        "petrov_byte_level_ratio",
        "tokenizer",
        "Even character- and byte-level models show over 4 times the encoding length for "
        "some language pairs (Petrov et al. 2023)",
        4,
        "x (more than)",
        _PETROV,
    ),
    _f(
        "ahia_languages",
        "tokenizer",
        "Ahia et al. 2023 measured the tokenization cost of commercial language-model APIs "
        "across 22 typologically diverse languages",
        22,
        "languages",
        _AHIA,
    ),
    _f(
        "mt5_vocab_size",
        "tokenizer",
        "mT5 uses one 250,000-token SentencePiece vocabulary shared by all its languages",
        250000,
        "tokens",
        _MT5_WIKI,
    ),
    # ---------------------------------------------------- published results in Swahili
    _bench("mt0_xxl_mt_xcopa_sw", "mT0-xxl-mt", "xcopa", 81, _MT0_XXL_MT, "13B"),
    _bench("mt0_xxl_mt_xnli_sw", "mT0-xxl-mt", "xnli", 56.79, _MT0_XXL_MT, "13B"),
    _bench("mt0_xxl_mt_xstorycloze_sw", "mT0-xxl-mt", "xstorycloze", 89.61, _MT0_XXL_MT, "13B"),
    _bench("bloomz_xcopa_sw", "BLOOMZ", "xcopa", 64.0, _BLOOMZ, "176B"),
    _bench("bloomz_xnli_sw", "BLOOMZ", "xnli", 52.09, _BLOOMZ, "176B"),
    _bench("bloomz_xstorycloze_sw", "BLOOMZ", "xstorycloze", 79.81, _BLOOMZ, "176B"),
    _bench("bloomz_3b_xcopa_sw", "BLOOMZ-3B", "xcopa", 66.0, _BLOOMZ_3B, "3B"),
    _bench("bloomz_3b_xnli_sw", "BLOOMZ-3B", "xnli", 47.83, _BLOOMZ_3B, "3B"),
    _bench("bloomz_3b_xstorycloze_sw", "BLOOMZ-3B", "xstorycloze", 69.69, _BLOOMZ_3B, "3B"),
    _bench("mt0_large_xcopa_sw", "mT0-large", "xcopa", 54, _MT0_LARGE, "1.2B"),
    _bench("mt0_large_xnli_sw", "mT0-large", "xnli", 40.08, _MT0_LARGE, "1.2B"),
    _bench("mt0_large_xstorycloze_sw", "mT0-large", "xstorycloze", 55.53, _MT0_LARGE, "1.2B"),
    _f(
        "aya101_languages",
        "benchmarks",
        "Aya-101 (Üstün et al. 2024) follows instructions in 101 languages, over 50% of them "
        "lower-resourced, and outperforms mT0 and BLOOMZ on the majority of tasks",
        101,
        "languages",
        _AYA_MODEL,
    ),
    # ------------------------------------------------------------ fair pay and crowd work
    _f(
        "hara_median_hourly_wage",
        "crowdwork",
        "Workers on Amazon Mechanical Turk earned a median hourly wage of only about $2/h "
        "(Hara et al. 2018)",
        2,
        "USD/h",
        _HARA,
    ),
    _f(
        "hara_share_above_min_wage",
        "crowdwork",
        "Only 4% of those workers earned more than $7.25/h, the U.S. federal minimum wage",
        4,
        "%",
        _HARA,
    ),
    _f(
        "hara_avg_requester_pay",
        "crowdwork",
        "The average requester pays more than $11/h, but lower-paying requesters post much "
        "more work",
        11,
        "USD/h (more than)",
        _HARA,
    ),
    _f(
        "hara_workers",
        "crowdwork",
        "Hara et al. recorded 2,676 workers performing 3.8 million tasks",
        2676,
        "workers",
        _HARA,
    ),
    _f(
        "hara_tasks",
        "crowdwork",
        "Hara et al.'s study covers 3.8 million tasks on Amazon Mechanical Turk",
        3.8,
        "million tasks",
        _HARA,
    ),
]
