"""Small Swahili prompt fixtures for the crowd tests (independent of data/prompts)."""

from tutorial_lib.records import Prompt

TOPICS = [
    (
        "open_qa",
        "Mji mkuu wa Kenya ni upi?",
        "What is the capital of Kenya?",
        (
            "Mji mkuu wa Kenya ni Nairobi. Ni mji mkubwa zaidi nchini Kenya. Pia ni kitovu cha "
            "biashara kwa sababu ya eneo lake."
        ),
    ),
    (
        "brainstorming",
        "Nipe vidokezo vitatu vya kujifunza lugha mpya.",
        "Give me three tips for learning a new language.",
        (
            "Kwanza, jizoeze kila siku hata kwa dakika kumi. Pili, sikiliza redio na nyimbo katika "
            "lugha hiyo. Tatu, ongea na wazungumzaji wake bila kuogopa kukosea."
        ),
    ),
    (
        "general_qa",
        "Kwa nini mvua hunyesha?",
        "Why does it rain?",
        (
            "Jua hupasha maji ya bahari joto na mvuke hupanda angani. Mvuke ukipoa hugeuka matone "
            "yanayounda mawingu. Matone yakiwa mazito huanguka kama mvua."
        ),
    ),
    (
        "open_qa",
        "Malaria huenezwa vipi?",
        "How is malaria spread?",
        (
            "Malaria huenezwa na mbu jike aina ya Anopheles. Mbu huyo hubeba vimelea kutoka kwa mtu "
            "mmoja hadi mwingine. Chandarua chenye dawa hupunguza hatari sana."
        ),
    ),
    (
        "creative_writing",
        "Andika sentensi mbili kuhusu bahari.",
        "Write two sentences about the sea.",
        (
            "Bahari ya Hindi ina rangi ya buluu inayong'aa asubuhi. Wavuvi hurudi pwani jioni wakiwa "
            "na samaki wengi."
        ),
    ),
    (
        "classification",
        "Je, embe ni tunda au mboga?",
        "Is a mango a fruit or a vegetable?",
        (
            "Embe ni tunda. Hukua kwenye mti wa mwembe na huliwa likiwa limeiva. Lina vitamini nyingi "
            "hasa vitamini A na C."
        ),
    ),
    (
        "summarization",
        "Fupisha faida za kunywa maji ya kutosha.",
        "Summarise the benefits of drinking enough water.",
        (
            "Maji ya kutosha husaidia mwili kudhibiti joto. Pia husaidia figo kuondoa taka mwilini. "
            "Mtu hupata nguvu zaidi na kufikiri vizuri."
        ),
    ),
    (
        "closed_qa",
        "Mlima mrefu zaidi Afrika ni upi?",
        "What is the highest mountain in Africa?",
        (
            "Mlima mrefu zaidi Afrika ni Kilimanjaro ulioko Tanzania. Una urefu wa mita 5,895. Kilele "
            "chake kinaitwa Uhuru."
        ),
    ),
]


def make_prompts(n: int = 24) -> list[Prompt]:
    """``n`` distinct prompts with one Swahili reference each (topics repeat, ids do not)."""
    out = []
    for i in range(n):
        cat, sw, en, ref = TOPICS[i % len(TOPICS)]
        out.append(
            Prompt(
                id=f"t{i:03d}",
                category=cat,
                prompt=sw,
                prompt_en=en,
                references=[f"{ref} Hili ni jibu la swali namba {i}."],
            )
        )
    return out
