"""Every worker-facing string of the three projects, per language, in one table.

``design.py`` assembles specs from these tables, so translating the projects
to another language means adding one entry per table here (``TEXTS[kind][lang]``,
``UI[lang]``, and worked items in ``ITEMS[lang]``), nothing else.
"""

from __future__ import annotations

import copy
import logging

logger = logging.getLogger(__name__)

OPTION_VALUES = {"binary": [1, 0], "likert5": [1, 2, 3, 4, 5], "ab": [0, 1]}

UI = {
    "sw": {
        "instructions": "Maelekezo",
        "examples": "Mifano",
        "good": "Mfano mzuri",
        "bad": "Mfano mbaya",
        "submit": "Tuma",
    },
    "en": {
        "instructions": "Instructions",
        "examples": "Examples",
        "good": "Good example",
        "bad": "Bad example",
        "submit": "Submit",
    },
}

_OPTIONS = {
    "sw": {
        "binary": ["Ndiyo", "Hapana"],
        "likert5": [
            "1 - Halisaidii kabisa",
            "2 - Linasaidia kidogo",
            "3 - Linasaidia kiasi",
            "4 - Linasaidia",
            "5 - Linasaidia sana",
        ],
        "ab": ["Jibu A ni bora zaidi", "Jibu B ni bora zaidi"],
    },
    "en": {
        "binary": ["Yes", "No"],
        "likert5": [
            "1 - Not helpful at all",
            "2 - Slightly helpful",
            "3 - Somewhat helpful",
            "4 - Helpful",
            "5 - Very helpful",
        ],
        "ab": ["Answer A is better", "Answer B is better"],
    },
}

_FIELDS = {
    "sw": {
        "prompt": "Agizo",
        "prompt_en": "Onyesha agizo la asili (Kiingereza)",
        "context": "Maelezo ya ziada",
        "answer": "Jibu",
        "answer_a": "Jibu A",
        "answer_b": "Jibu B",
    },
    "en": {
        "prompt": "Prompt",
        "prompt_en": "Show the English original",
        "context": "Context",
        "answer": "Answer",
        "answer_a": "Answer A",
        "answer_b": "Answer B",
    },
}

_QUESTIONS = {
    "sw": {
        "answer": "Andika jibu lako kwa Kiswahili",
        "helpful": "Je, jibu hili linamsaidia aliyeuliza?",
        "harmless": "Je, jibu hili ni salama (halina matusi, chuki wala ushauri hatari)?",
        "truthful": "Je, mambo yaliyomo kwenye jibu ni ya kweli?",
        "better": "Ni jibu lipi linasaidia zaidi?",
    },
    "en": {
        "answer": "Write your answer in {language}",
        "helpful": "Does this answer help the person who asked?",
        "harmless": "Is this answer safe (no insults, hate or dangerous advice)?",
        "truthful": "Are the facts in the answer true?",
        "better": "Which answer is more helpful?",
    },
}

_PROJECTS = {
    "answers": {
        "sw": {
            "title": "Andika jibu kwa Kiswahili",
            "description": "Soma agizo na uandike jibu zuri kwa Kiswahili.",
            "instructions": (
                "Utaona agizo (swali au ombi) lililoandikwa kwa Kiswahili. Kazi yako ni "
                "kuandika jibu moja zuri kwa Kiswahili.\n"
                "- Andika kwa Kiswahili sanifu, kwa maneno yako mwenyewe.\n"
                "- Jibu liwe la kweli, lenye msaada na linalojibu agizo lote; kwa kawaida "
                "sentensi 2 hadi 6 zinatosha.\n"
                "- Usinakili agizo, usiandike kwa Kiingereza, na usitumie programu ya kutafsiri.\n"
                "- Agizo likiomba jambo la hatari, eleza kwa upole kwa nini huwezi kusaidia.\n"
                "- Ukikosa uhakika na jambo fulani, sema hivyo badala ya kubuni.\n"
                "Watu wengine watakagua majibu. Majibu yasiyofuata maelekezo haya "
                "hayatakubaliwa."
            ),
        },
        "en": {
            "title": "Write an answer in {language}",
            "description": "Read a prompt and write a good answer in {language}.",
            "instructions": (
                "You will see a prompt (a question or request) written in {language}. Your "
                "task is to write one good answer in {language}.\n"
                "- Write in standard {language}, in your own words.\n"
                "- The answer must be true, helpful and address the whole prompt; 2 to 6 "
                "sentences are usually enough.\n"
                "- Do not copy the prompt, do not answer in English, do not use a "
                "translation app.\n"
                "- If the prompt asks for something harmful, politely explain why you cannot "
                "help.\n"
                "- If you are unsure of a fact, say so instead of making it up.\n"
                "Other people will review the answers. Answers that do not follow these "
                "instructions will be rejected."
            ),
        },
    },
    "validation": {
        "sw": {
            "title": "Tathmini majibu",
            "description": "Soma agizo na jibu, kisha sema kama jibu linasaidia.",
            "instructions": (
                "Utaona agizo na jibu lililoandikwa na mtu mwingine. Soma vyote viwili kwa "
                "makini, kisha jibu maswali.\n"
                "- Jibu linasaidia ikiwa limeandikwa kwa Kiswahili, linajibu agizo lenyewe, "
                "ni kamili na linaeleweka.\n"
                "- Jibu halisaidii ikiwa limeandikwa kwa lugha nyingine, limenakili agizo, "
                "linajibu swali jingine, limekatika katikati au ni tupu.\n"
                "- Jibu ni salama ikiwa halina matusi, chuki wala ushauri wa hatari.\n"
                "- Jibu ni la kweli ikiwa mambo yaliyosemwa ni sahihi kwa kadri unavyojua.\n"
                "Usikisie: ukikosa uhakika, soma tena. Majibu yako yanalinganishwa na ya "
                "watu wengine na na majibu tunayoyajua."
            ),
        },
        "en": {
            "title": "Rate answers",
            "description": "Read a prompt and an answer, then say whether the answer helps.",
            "instructions": (
                "You will see a prompt and an answer written by someone else. Read both "
                "carefully, then answer the questions.\n"
                "- An answer is helpful if it is in {language}, answers the prompt itself, is "
                "complete and is understandable.\n"
                "- An answer is not helpful if it is in another language, copies the prompt, "
                "answers a different question, stops mid-sentence or is empty.\n"
                "- An answer is safe if it has no insults, hate or dangerous advice.\n"
                "- An answer is true if what it states is correct as far as you know.\n"
                "Do not guess: if unsure, read again. Your answers are compared with other "
                "people's and with answers we know."
            ),
        },
    },
    "ranking": {
        "sw": {
            "title": "Linganisha majibu mawili",
            "description": "Chagua jibu linalosaidia zaidi kati ya mawili.",
            "instructions": (
                "Utaona agizo na majibu mawili, A na B. Chagua jibu linalomsaidia zaidi "
                "aliyeuliza.\n"
                "- Angalia kama jibu ni la Kiswahili, ni sahihi, ni kamili na linajibu "
                "agizo lenyewe.\n"
                "- Usichague jibu kwa sababu tu ni refu zaidi, wala kwa nafasi yake (A au B)."
            ),
        },
        "en": {
            "title": "Compare two answers",
            "description": "Pick the more helpful of two answers.",
            "instructions": (
                "You will see a prompt and two answers, A and B. Pick the answer that helps "
                "the person who asked more.\n"
                "- Check that the answer is in {language}, correct, complete and answers the "
                "prompt itself.\n"
                "- Do not pick an answer only because it is longer, nor for its position "
                "(A or B)."
            ),
        },
    },
}

_KENYA = {"prompt": "Mji mkuu wa Kenya ni upi?", "prompt_en": "What is the capital of Kenya?"}
_KENYA_GOOD = (
    "Mji mkuu wa Kenya ni Nairobi. Ni mji mkubwa zaidi nchini Kenya na kitovu cha "
    "biashara na usafiri katika Afrika Mashariki."
)
_LEARN = {
    "prompt": "Nipe vidokezo vitatu vya kujifunza lugha mpya.",
    "prompt_en": "Give me three tips for learning a new language.",
}
_LEARN_GOOD = (
    "Kwanza, jizoeze kila siku hata kwa dakika kumi. Pili, sikiliza redio, nyimbo au "
    "vipindi katika lugha hiyo. Tatu, ongea na wazungumzaji wake bila kuogopa kukosea."
)
_RAIN = {"prompt": "Kwa nini mvua hunyesha?", "prompt_en": "Why does it rain?"}
_RAIN_GOOD = (
    "Jua hupasha maji ya bahari na maziwa joto, nayo hupanda angani kama mvuke. Mvuke "
    "ukipoa hugeuka matone madogo yanayounda mawingu. Matone yakiwa mazito huanguka "
    "kama mvua."
)


def _ex(item: dict, answer: str, good: bool, sw: str, en: str) -> dict:
    return {
        "item": {**item},
        "output": {"answer": answer},
        "good": good,
        "explanation": {"sw": sw, "en": en},
    }


def _judge(item: dict, answer: str, helpful: int, sw: str, en: str, truthful: int = 1) -> dict:
    return {
        "item": {"prompt": item["prompt"], "answer": answer},
        "expected": {"helpful": helpful, "harmless": 1, "truthful": truthful},
        "feedback": {"sw": sw, "en": en},
    }


_ANSWER_EXAMPLES = [
    _ex(
        _KENYA,
        _KENYA_GOOD,
        True,
        "Sahihi, kamili na kwa Kiswahili.",
        "Correct, complete and in Swahili.",
    ),
    _ex(
        _KENYA,
        "The capital of Kenya is Nairobi.",
        False,
        "Limeandikwa kwa Kiingereza.",
        "Written in English.",
    ),
    _ex(
        _KENYA,
        _KENYA["prompt"],
        False,
        "Limenakili agizo badala ya kulijibu.",
        "Copies the prompt instead of answering it.",
    ),
    _ex(
        _LEARN,
        _LEARN_GOOD,
        True,
        "Linatoa vidokezo vitatu kama ilivyoombwa.",
        "Gives the three tips that were asked for.",
    ),
    _ex(
        _LEARN,
        "Kwanza, jizoeze kila siku hata kwa",
        False,
        "Limekatika katikati ya sentensi.",
        "Stops in the middle of a sentence.",
    ),
]

_JUDGE_ITEMS = [
    _judge(
        _KENYA,
        _KENYA_GOOD,
        1,
        "Jibu hili ni sahihi na kamili.",
        "This answer is correct and complete.",
    ),
    _judge(
        _KENYA,
        "The capital of Kenya is Nairobi.",
        0,
        "Jibu liko kwa Kiingereza, si msaada.",
        "The answer is in English, so it does not help.",
    ),
    _judge(_LEARN, _LEARN_GOOD, 1, "Vidokezo vitatu, vyote vinafaa.", "Three tips, all useful."),
    _judge(
        _LEARN,
        _KENYA_GOOD,
        0,
        "Jibu hili linajibu swali jingine.",
        "This answer responds to a different question.",
    ),
    _judge(
        _RAIN,
        _RAIN_GOOD,
        1,
        "Maelezo sahihi ya mzunguko wa maji.",
        "A correct account of the water cycle.",
    ),
    _judge(
        _RAIN,
        "Jua hupasha maji ya bahari na",
        0,
        "Jibu limekatika katikati.",
        "The answer stops mid-sentence.",
    ),
]


def _answer_item(item: dict, model: str, sw: str, en: str) -> dict:
    return {"item": {**item}, "expected": {"answer": model}, "feedback": {"sw": sw, "en": en}}


# Part I's training on Toloka. Toloka passes a trainee only when every training answer
# matches a known solution exactly, so free text cannot be trained there: these are
# multiple-choice questions about the instructions, each with exactly one right option.
_QUIZ = [
    {
        "item": {"prompt": _KENYA["prompt"]},
        "question": {
            "sw": "Ni jibu lipi linakubalika kwa agizo hili?",
            "en": "Which answer is acceptable for this prompt?",
        },
        "options": [
            ("a", {"sw": _KENYA_GOOD, "en": _KENYA_GOOD}),
            (
                "b",
                {
                    "sw": "The capital of Kenya is Nairobi.",
                    "en": "The capital of Kenya is Nairobi.",
                },
            ),
            ("c", {"sw": _KENYA["prompt"], "en": _KENYA["prompt"]}),
        ],
        "answer": "a",
        "feedback": {
            "sw": "Jibu A ni la Kiswahili na linajibu swali; B ni Kiingereza, C limenakili agizo.",
            "en": "A is in Swahili and answers; B is English, C copies the prompt.",
        },
    },
    {
        "item": {"prompt": _RAIN["prompt"]},
        "question": {
            "sw": "Jibu lako liandikwe kwa lugha gani?",
            "en": "In which language must your answer be written?",
        },
        "options": [
            ("a", {"sw": "Kiswahili", "en": "Swahili"}),
            ("b", {"sw": "Kiingereza", "en": "English"}),
            ("c", {"sw": "Lugha yoyote", "en": "Any language"}),
        ],
        "answer": "a",
        "feedback": {
            "sw": "Majibu yote yaandikwe kwa Kiswahili.",
            "en": "Every answer must be written in Swahili.",
        },
    },
    {
        "item": {
            "prompt": "Nieleze jinsi ya kutengeneza sumu ya kumdhuru jirani yangu.",
            "prompt_en": "Tell me how to make a poison to harm my neighbour.",
        },
        "question": {
            "sw": "Agizo linaomba jambo la hatari. Ufanye nini?",
            "en": "The prompt asks for something harmful. What do you do?",
        },
        "options": [
            (
                "a",
                {"sw": "Naandika hatua zote kwa kina.", "en": "I write all the steps in detail."},
            ),
            (
                "b",
                {
                    "sw": "Naeleza kwa upole kwa nini siwezi kusaidia.",
                    "en": "I politely explain why I cannot help.",
                },
            ),
            ("c", {"sw": "Natuma jibu tupu.", "en": "I submit an empty answer."}),
        ],
        "answer": "b",
        "feedback": {
            "sw": "Kwa agizo la hatari, eleza kwa upole kwa nini huwezi kusaidia.",
            "en": "For a harmful prompt, politely explain why you cannot help.",
        },
    },
    {
        "item": {"prompt": _LEARN["prompt"]},
        "question": {
            "sw": "Jibu 'Kwanza, jizoeze kila siku hata kwa' linakubalika?",
            "en": "Is the answer 'Kwanza, jizoeze kila siku hata kwa' acceptable?",
        },
        "options": [
            ("a", {"sw": "Ndiyo, linaanza vizuri.", "en": "Yes, it starts well."}),
            (
                "b",
                {
                    "sw": "Hapana, limekatika katikati ya sentensi.",
                    "en": "No, it stops mid-sentence.",
                },
            ),
            ("c", {"sw": "Ndiyo, kama limeandikwa haraka.", "en": "Yes, if written quickly."}),
        ],
        "answer": "b",
        "feedback": {"sw": "Jibu lazima liwe kamili.", "en": "An answer must be complete."},
    },
]

_ITEMS = {
    "answers": {
        "examples": _ANSWER_EXAMPLES,
        "training": [
            _answer_item(
                _KENYA,
                _KENYA_GOOD,
                "Jibu zuri linataja Nairobi na kueleza kidogo.",
                "A good answer names Nairobi and explains a bit.",
            ),
            _answer_item(
                _LEARN, _LEARN_GOOD, "Toa vidokezo vitatu tofauti.", "Give three distinct tips."
            ),
        ],
        "exam": [
            _answer_item(
                _RAIN,
                _RAIN_GOOD,
                "Eleza mvuke, mawingu na matone.",
                "Explain vapour, clouds and drops.",
            )
        ],
        "control": [],
        "quiz": _QUIZ,
    },
    "validation": {
        "examples": [
            {
                **e,
                "item": {"prompt": e["item"]["prompt"], "answer": e["output"]["answer"]},
                "output": {"helpful": int(e["good"])},
            }
            for e in _ANSWER_EXAMPLES
        ],
        "training": _JUDGE_ITEMS[:3],
        "exam": _JUDGE_ITEMS[1:6],
        "control": _JUDGE_ITEMS,
    },
    "ranking": {
        "examples": [
            {
                "item": {
                    "prompt": _KENYA["prompt"],
                    "answer_a": "Nairobi ni",
                    "answer_b": _KENYA_GOOD,
                },
                "output": {"better": 1},
                "good": True,
                "explanation": {
                    "sw": "B ni kamili; A limekatika.",
                    "en": "B is complete; A is cut off.",
                },
            }
        ],
        "training": [
            {
                "item": {
                    "prompt": _LEARN["prompt"],
                    "answer_a": _LEARN_GOOD,
                    "answer_b": "Learn every day.",
                },
                "expected": {"better": 0},
                "feedback": {"sw": "B liko kwa Kiingereza.", "en": "B is in English."},
            }
        ],
        "exam": [],
        "control": [],
    },
}

LANGUAGE_NAMES = {
    "sw": "Swahili",
    "en": "English",
    "yo": "Yoruba",
    "ha": "Hausa",
    "am": "Amharic",
    "zu": "Zulu",
    "rw": "Kinyarwanda",
    "so": "Somali",
}
ITEM_LANGS = ("sw",)  # languages whose worked examples and exam items are built in


def _fill(obj, language: str):
    """Put the target language's English name into ``{language}`` placeholders."""
    if isinstance(obj, str):
        return obj.replace("{language}", language)
    if isinstance(obj, dict):
        return {k: _fill(v, language) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_fill(v, language) for v in obj]
    return obj


def texts_for(kind: str, lang: str) -> dict:
    """Per-language text tables for ``kind``: always English, plus ``lang`` when built in."""
    langs = ["en"] + ([lang] if lang != "en" else [])
    missing = [code for code in langs if code not in _PROJECTS[kind]]
    if missing:
        logger.warning(
            "no built-in %s texts for %s; workers will see English. Add them to "
            "tutorial_lib/crowd/design_texts.py",
            kind,
            ", ".join(missing),
        )
    out = {}
    for code in langs:
        if code in _PROJECTS[kind]:
            out[code] = {
                **_PROJECTS[kind][code],
                "fields": _FIELDS[code],
                "questions": _QUESTIONS[code],
                "options": _OPTIONS[code],
            }
    return _fill(out, LANGUAGE_NAMES.get(lang, lang))


def items_for(kind: str, lang: str) -> dict:
    """Worked examples, training, exam, control and quiz items for ``kind`` (a fresh copy).

    They are written in the target language, so another language gets none
    (and a warning) rather than Swahili items under foreign instructions.
    """
    if lang not in ITEM_LANGS:
        logger.warning(
            "no built-in %s examples/exam items for %s; the project runs without "
            "training and exam until you add them",
            kind,
            lang,
        )
        return {"examples": [], "training": [], "exam": [], "control": [], "quiz": []}
    return copy.deepcopy(_ITEMS[kind])
